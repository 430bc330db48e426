package dev.vplat.guest.suites;

import dev.vplat.guest.client.EmbeddedVplat;
import dev.vplat.guest.client.MachineInfo;
import dev.vplat.guest.client.Role;
import dev.vplat.guest.client.SessionScope;
import dev.vplat.guest.client.VplatClient;
import org.junit.jupiter.api.Assumptions;

import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * The server one suite test runs against, and the sessions it opened there. Sessions are
 * processes on the server: {@link SuiteExtension} closes every one after the test, in the order of
 * {@link SessionScope} (users first, so their device fds are gone before a guest session rebinds
 * drivers), which is process exit.
 */
public final class SuiteTarget implements AutoCloseable {
    private final String address;
    private final String token;
    private final EmbeddedVplat embedded;
    private final SessionScope sessions = new SessionScope();
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
        return sessions.add(VplatClient.builder().address(address).role(role).name("suite-" + name)
                .token(role == Role.GUEST ? token : null).connect());
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
        sessions.afterUsersExit(action);
    }

    @Override
    public void close() {
        sessions.close();
    }
}
