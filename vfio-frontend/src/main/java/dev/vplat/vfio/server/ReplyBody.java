package dev.vplat.vfio.server;

/**
 * The data of a reply, typed so that op handlers say what they return and only the encoder
 * turns it into bytes (all little-endian).
 */
public sealed interface ReplyBody {
    /** No data. */
    ReplyBody EMPTY = new Empty();

    final class Empty implements ReplyBody {
        private Empty() {
        }
    }

    record Bytes(byte[] data) implements ReplyBody {
    }

    record U32(int value) implements ReplyBody {
    }

    record U64(long value) implements ReplyBody {
    }

    /** The first {@code count} values of {@code values}, as u64s (BATCH). */
    record U64s(long[] values, int count) implements ReplyBody {
    }

    record Utf8(String text) implements ReplyBody {
    }

    /** HELLO's reply: u16 major, u16 minor, UTF-8 JSON. */
    record Hello(int major, int minor, String json) implements ReplyBody {
    }

    /** An error reply: u16 n, n bytes of UTF-8 message, then the op's error data. */
    record Error(String message, ReplyBody data) implements ReplyBody {
    }
}
