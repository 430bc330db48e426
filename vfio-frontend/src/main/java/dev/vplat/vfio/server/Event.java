package dev.vplat.vfio.server;

/** Server-initiated frames (tag 0, flag EVENT), and what the text mode prints for interrupts. */
public sealed interface Event extends BinaryOut {
    Op op();

    /** An MSI reached the interrupt controller; {@code requesterId} 0xffff for a CPU store without one. */
    record Msi(long address, int data, int requesterId) implements Event {
        public Op op() {
            return Op.EVENT_MSI;
        }
    }

    /** An INTx line changed level; {@code pin} 1..4 is INTA..INTD. */
    record Intx(int requesterId, int pin, boolean level) implements Event {
        public Op op() {
            return Op.EVENT_INTX;
        }
    }

    record EventFdSignal(int fd, long counter) implements Event {
        public Op op() {
            return Op.EVENT_EVENTFD;
        }
    }

    record Log(String line) implements Event {
        public Op op() {
            return Op.EVENT_LOG;
        }
    }
}
