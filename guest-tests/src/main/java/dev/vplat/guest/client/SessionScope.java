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
 *
 * <p>The server runs a session's exit when it sees the connection close, which can come just
 * after the BYE reply; so before the undo actions run, a guest session of the scope asks
 * MACHINE_INFO (bounded) until the server's session count has dropped by the users that left.
 * Otherwise a rebind could still find a user's device fd open or its group claimed (EBUSY).
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

    /** Polls before the undo actions run anyway, as {@code Sessions.afterOthersExit} in the tests. */
    private static final int EXIT_POLLS = 500;

    @Override
    public void close() {
        RuntimeException first = null;
        VplatClient observer = undo.isEmpty() ? null : openGuest();
        long before = observer == null ? -1 : sessionsOnServer(observer);
        int exited = 0;
        for (VplatClient c : sessions) {
            if (c.role() == Role.USER) {
                first = closeQuietly(c, first);
                exited++;
            }
        }
        if (before >= 0 && exited > 0) {
            for (int i = 0; i < EXIT_POLLS && sessionsOnServer(observer) > before - exited; i++) {
                Thread.onSpinWait();
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

    private VplatClient openGuest() {
        for (VplatClient c : sessions) {
            if (c.role() == Role.GUEST && c.isOpen()) {
                return c;
            }
        }
        return null;
    }

    /** The server's session count, or -1 when it cannot be read (the undo actions then run at once). */
    private static long sessionsOnServer(VplatClient guest) {
        try {
            return guest.machineInfo().counter("sessions");
        } catch (RuntimeException e) {
            return -1;
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
