package dev.vplat.vfio.server;

/** One reply line of text mode, without its newline. */
public record TextReply(String line) {
}
