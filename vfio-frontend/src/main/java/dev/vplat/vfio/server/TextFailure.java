package dev.vplat.vfio.server;

/** A text command that cannot run as written; answered with {@code FAIL <message>}. */
final class TextFailure extends RuntimeException {
    TextFailure(String message) {
        super(message, null, false, false);
    }
}
