package dev.vplat.vfio.server;

/** An inbound message with the number of bytes it took on the wire, which flow control counts. */
public interface WireMessage {
    int wireSize();
}
