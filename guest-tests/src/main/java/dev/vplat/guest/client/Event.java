package dev.vplat.guest.client;

import dev.vplat.guest.client.uapi.LeReader;

/** A server-initiated frame (tag 0, flag EVENT), decoded (PROTOCOL.md "Events"). */
public sealed interface Event permits Event.Msi, Event.Intx, Event.Eventfd, Event.Log, Event.Unknown {

    /** EVENT_MSI: a message-signalled interrupt reached the CPU side (guest sessions with IRQ_WATCH on). */
    record Msi(long address, int data, int requesterId) implements Event {
    }

    /** EVENT_INTX: a legacy INTx line changed level. Pin 1..4 is INTA..INTD. */
    record Intx(int requesterId, int pin, boolean asserted) implements Event {
    }

    /** EVENT_EVENTFD: an eventfd this session owns was signalled; {@code counter} is its value now. */
    record Eventfd(int fd, long counter) implements Event {
    }

    /** EVENT_LOG: a notice addressed to this session, e.g. why it is being closed. */
    record Log(String line) implements Event {
    }

    /** An event op this client version does not know; kept so nothing is silently lost. */
    record Unknown(int op, byte[] payload) implements Event {
    }

    /** Decodes an event frame's payload by its op. */
    static Event decode(Frame frame) {
        LeReader r = new LeReader(frame.payload());
        Op op = Op.byCode(frame.op());
        if (op == null) {
            return new Unknown(frame.op(), frame.payload());
        }
        return switch (op) {
            case EVENT_MSI -> new Msi(r.u64(), r.u32(), r.u16());
            case EVENT_INTX -> new Intx(r.u16(), r.u8(), r.u8() != 0);
            case EVENT_EVENTFD -> new Eventfd(r.u32(), r.u64());
            case EVENT_LOG -> new Log(r.utf8(r.remaining()));
            default -> new Unknown(frame.op(), frame.payload());
        };
    }
}
