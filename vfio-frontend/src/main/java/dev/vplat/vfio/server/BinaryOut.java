package dev.vplat.vfio.server;

/** What a binary-mode session sends: replies and events. */
public sealed interface BinaryOut permits Reply, Event {
}
