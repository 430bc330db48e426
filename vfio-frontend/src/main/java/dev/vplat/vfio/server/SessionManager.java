package dev.vplat.vfio.server;

import dev.vplat.vfio.kernel.HostKernel;
import dev.vplat.vfio.platform.Platform;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * What every session shares: the platform, the server's options, interrupt fan-out and kernel
 * notices (sent to guest sessions as EVENT_LOG), and the two ends of a session's life — start
 * spawns its process, exit makes the process exit. Machine thread only.
 */
public final class SessionManager {
    private final Platform platform;
    private final ServerOptions options;
    private final InterruptFanout fanout = new InterruptFanout();
    private final Set<Session> guests = new LinkedHashSet<>();
    private final Consumer<String> noticeSender = this::sendNotice;
    private final ServerHealth health;

    public SessionManager(Platform platform, ServerOptions options) {
        this(platform, options, new ServerHealth());
    }

    public SessionManager(Platform platform, ServerOptions options, ServerHealth health) {
        this.platform = platform;
        this.options = options;
        this.health = health;
        platform.machine().interrupts().addListener(fanout);
        platform.kernel().notices().addListener(noticeSender);
        platform.kernel().counter("internal_errors", health::internalErrors);
    }

    public Platform platform() {
        return platform;
    }

    public HostKernel kernel() {
        return platform.kernel();
    }

    public ServerOptions options() {
        return options;
    }

    public ServerHealth health() {
        return health;
    }

    public InterruptFanout fanout() {
        return fanout;
    }

    /** Spawns the session's process: root with every capability for the guest role (PROTOCOL.md "Roles"). */
    void start(Session s, Session.Role role) {
        s.start(role, platform.kernel().spawn(role == Session.Role.GUEST));
        if (role == Session.Role.GUEST) {
            guests.add(s);
        }
    }

    /**
     * A kernel notice reaches every guest-role session as an EVENT_LOG: the guest role is the
     * machine's console. (Text mode has no line for it and drops it.)
     */
    private void sendNotice(String line) {
        Event.Log e = new Event.Log("vplat: " + line);
        for (Session s : guests) {
            s.link().event(e);
        }
    }

    /**
     * The session ends: no more requests run, interrupts stop, and the process exits, releasing
     * everything. Runs at BYE and at a fatal error, before the last reply is sent (so whoever
     * reads the counters after that reply sees the process gone), and again when the connection
     * closes, where it is a no-op for a session that already ended.
     */
    void exit(Session s) {
        if (s.exited()) {
            return;
        }
        s.markExited();
        guests.remove(s);
        if (s.irqWatch()) {
            fanout.watch(s, false);
        }
        if (s.started()) {
            platform.kernel().exit(s.process());
        }
    }

    /** Whether {@code presented} opens the guest role: always when no token is set, else only the token. */
    boolean tokenAccepted(String presented) {
        if (options.token() == null) {
            return true;
        }
        return presented != null && MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8),
                options.token().getBytes(StandardCharsets.UTF_8));
    }

    /** Shutdown: the platform is closed after this, so stop listening to its interrupts. */
    public void detach() {
        platform.machine().interrupts().removeListener(fanout);
        platform.kernel().notices().removeListener(noticeSender);
    }
}
