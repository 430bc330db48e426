package dev.vplat.guest.client;

import java.util.ArrayList;
import java.util.List;

/**
 * The sessions one test scope opened and what it changed through them, ended in the order that
 * lets each step succeed: user sessions exit first (a session is a process, so their VFIO fds
 * close and DMA ownership returns), then the undo actions run newest first (e.g. rebinding a
 * driver through a guest session, which needs the device's fds gone), then the other sessions
 * exit. Every step runs even if an earlier one fails; the first failure is rethrown at the end.
 * A closed scope is empty and can be used again.
 */
public final class SessionScope implements AutoCloseable {
    private final List<VplatClient> sessions = new ArrayList<>();
    private final List<Runnable> undo = new ArrayList<>();

    /** Adds a session the scope ends; returns it. */
    public VplatClient add(VplatClient session) {
        sessions.add(session);
        return session;
    }

    /** Runs {@code action} on close, after the user sessions have exited and before the others do. */
    public void afterUsersExit(Runnable action) {
        undo.add(action);
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (VplatClient c : sessions) {
            if (c.role() == Role.USER) {
                first = closeQuietly(c, first);
            }
        }
        for (int i = undo.size() - 1; i >= 0; i--) {
            try {
                undo.get(i).run();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        undo.clear();
        for (VplatClient c : sessions) {
            if (c.role() != Role.USER) {
                first = closeQuietly(c, first);
            }
        }
        sessions.clear();
        if (first != null) {
            throw first;
        }
    }

    private static RuntimeException closeQuietly(VplatClient c, RuntimeException first) {
        try {
            c.close();
            return first;
        } catch (RuntimeException e) {
            return first == null ? e : first;
        }
    }
}
