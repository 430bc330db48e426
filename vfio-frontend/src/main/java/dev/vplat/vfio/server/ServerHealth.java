package dev.vplat.vfio.server;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the failures the server survives but should never see: an exception from inside the
 * machine answered as EIO (or a text {@code FAIL}), a machine-thread task that threw, and an
 * exception a connection's pipeline caught. A robust server under a fuzzer keeps this at zero;
 * MACHINE_INFO shows it as the {@code internal_errors} counter and the last few are kept for a
 * report. Safe from any thread.
 */
public final class ServerHealth {
    private static final int KEPT = 16;

    private final AtomicLong internalErrors = new AtomicLong();
    private final ArrayDeque<String> last = new ArrayDeque<>();

    /** Records one internal error: where it surfaced and the exception. */
    public void internalError(String where, Throwable cause) {
        internalErrors.incrementAndGet();
        String line = where + ": " + cause;
        synchronized (last) {
            if (last.size() == KEPT) {
                last.removeFirst();
            }
            last.addLast(line);
        }
        System.err.println("vplat: internal error in " + line);
    }

    public long internalErrors() {
        return internalErrors.get();
    }

    /** The most recent internal errors, oldest first. */
    public List<String> recent() {
        synchronized (last) {
            return List.copyOf(last);
        }
    }
}
