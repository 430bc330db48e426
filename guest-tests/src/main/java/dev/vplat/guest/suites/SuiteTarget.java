package dev.vplat.guest.suites;

import dev.vplat.guest.client.EmbeddedVplat;
import dev.vplat.guest.client.MachineInfo;
import dev.vplat.guest.client.Role;
import dev.vplat.guest.client.VplatClient;
import org.junit.jupiter.api.Assumptions;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The server one suite test runs against, and the sessions it opened there. Sessions are
 * processes on the server: {@link SuiteExtension} closes every one after the test (users first,
 * so their device fds are gone before a guest session rebinds drivers), which is process exit.
 */
public final class SuiteTarget implements AutoCloseable {
    private final String address;
    private final String token;
    private final EmbeddedVplat embedded;
    private final List<VplatClient> sessions = new ArrayList<>();
    private final List<Runnable> undo = new ArrayList<>();
    private VplatClient guest;

    SuiteTarget(String address, String token, EmbeddedVplat embedded) {
        this.address = address;
        this.token = token;
        this.embedded = embedded;
    }

    /** {@code tcp:HOST:PORT} or {@code unix:PATH}. */
    public String address() {
        return address;
    }

    /** The in-process server, when the run is embedded; external targets have none. */
    public Optional<EmbeddedVplat> embedded() {
        return Optional.ofNullable(embedded);
    }

    /** The in-process server, or the test is skipped: for checks only the process can make (model counters). */
    public EmbeddedVplat requireEmbedded(String why) {
        Assumptions.assumeTrue(embedded != null, () -> why + ": needs an embedded server, not " + address);
        return embedded;
    }

    /** Runs {@code work} on the embedded machine thread (see {@link #requireEmbedded}). */
    public <T> T onMachine(String why, Callable<T> work) {
        return requireEmbedded(why).onMachineThread(work);
    }

    /** This test's guest session (opened on first use). */
    public VplatClient guest() {
        if (guest == null) {
            guest = connect(Role.GUEST, "guest");
        }
        return guest;
    }

    /** A new session (a new process on the server), closed after the test. */
    public VplatClient connect(Role role, String name) {
        VplatClient c = VplatClient.builder().address(address).role(role).name("suite-" + name)
                .token(role == Role.GUEST ? token : null).connect();
        sessions.add(c);
        return c;
    }

    /** Another user process. */
    public VplatClient user(String name) {
        return connect(Role.USER, name);
    }

    public MachineInfo info() {
        return guest().machineInfo();
    }

    /** Runs {@code action} after the test's user sessions have exited, before guest sessions close (e.g. rebinding a driver back). */
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
