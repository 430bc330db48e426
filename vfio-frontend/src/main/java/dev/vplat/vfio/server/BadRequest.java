package dev.vplat.vfio.server;

/**
 * A frame that cannot be executed: unknown op (ENOSYS), malformed payload (EINVAL), or broken
 * framing (oversize length: EMSGSIZE; impossible length: EPROTO), where {@code fatal} means the
 * stream cannot be resynchronised and the connection closes after the reply.
 */
public record BadRequest(int tag, int op, ServerError error, boolean fatal, int wireSize) implements Inbound {
}
