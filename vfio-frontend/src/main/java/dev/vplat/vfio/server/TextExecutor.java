package dev.vplat.vfio.server;

import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.platform.MachineAccess;

import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Text mode: the qtest line protocol with QEMU 7.2's replies (softmmu/qtest.c), over the same
 * {@link MachineAccess} as the binary ops. Where QEMU aborts on a malformed command (missing
 * argument, bad number, {@code read} of 0 bytes) this answers {@code FAIL <reason>} and carries
 * on. Text sessions have the guest role; with a server token the first line must be
 * {@code auth TOKEN}. vplat adds {@code system_reset} and {@code info}.
 */
public final class TextExecutor implements SessionExecutor {
    @FunctionalInterface
    private interface Command {
        String run(Session s, List<String> w);
    }

    private final SessionManager sessions;
    private final MachineAccess access;
    private final Map<String, Command> commands = new HashMap<>();

    public TextExecutor(SessionManager sessions) {
        this.sessions = sessions;
        this.access = sessions.platform().access();
        String[] widths = {"b", "w", "l", "q"};
        for (int i = 0; i < widths.length; i++) {
            int width = 1 << i;
            commands.put("read" + widths[i], (s, w) -> String.format("OK 0x%016x", access.read(number(w, 1), width)));
            commands.put("write" + widths[i], (s, w) -> {
                access.write(number(w, 1), width, number(w, 2));
                return "OK";
            });
            if (width <= 4) {
                commands.put("in" + widths[i], (s, w) -> String.format("OK 0x%04x", access.pioRead(port(w), width)));
                commands.put("out" + widths[i], (s, w) -> {
                    access.pioWrite(port(w), width, number(w, 2));
                    return "OK";
                });
            }
        }
        commands.put("read", (s, w) -> "OK 0x" + HexFormat.of().formatHex(access.readBytes(number(w, 1), size(w, false))));
        commands.put("b64read", (s, w) -> "OK " + Base64.getEncoder().encodeToString(
                access.readBytes(number(w, 1), size(w, false))));
        commands.put("write", this::write);
        commands.put("b64write", this::b64write);
        commands.put("memset", (s, w) -> {
            access.fill(number(w, 1), size(w, true), (byte) number(w, 3));
            return "OK";
        });
        commands.put("clock_step", this::clockStep);
        commands.put("clock_set", (s, w) -> {
            long ns = number(w, 1);
            if (ns > access.now()) {
                access.clockSet(ns);
            }
            return "OK " + access.now();
        });
        commands.put("irq_intercept_in", this::intercept);
        commands.put("irq_intercept_out", this::intercept);
        commands.put("endianness", (s, w) -> "OK little");
        commands.put("system_reset", (s, w) -> {
            access.reset();
            return "OK";
        });
        commands.put("info", (s, w) -> "OK " + sessions.platform().machineInfo());
    }

    @Override
    public Outcome execute(Session s, Object message) {
        if (s.closing()) {
            return Outcome.NOTHING;
        }
        TextCommand c = (TextCommand) message;
        if (c.tooLong()) {
            return reply("FAIL line too long (limit " + lineLimit(sessions.options()) + " bytes)");
        }
        List<String> w = c.words();
        if (!s.started()) {
            if (sessions.options().token() != null) {
                if (!w.get(0).equals("auth") || !sessions.tokenAccepted(w.size() > 1 ? w.get(1) : null)) {
                    s.markClosing();
                    return Outcome.last(new TextReply(w.get(0).equals("auth") ? "FAIL wrong token"
                            : "FAIL this server needs 'auth TOKEN' as the first line"));
                }
                sessions.start(s, Session.Role.GUEST);
                return reply("OK");
            }
            sessions.start(s, Session.Role.GUEST);
        }
        if (w.get(0).equals("auth")) {
            return reply("OK");
        }
        Command cmd = commands.get(w.get(0));
        if (cmd == null) {
            return reply("FAIL Unknown command '" + w.get(0) + "'");
        }
        try {
            return reply(cmd.run(s, w));
        } catch (TextFailure | ErrnoException e) {
            return reply("FAIL " + e.getMessage());
        } catch (RuntimeException e) {
            sessions.health().internalError("text " + w.get(0), e);
            return reply("FAIL " + w.get(0) + " failed inside the machine: " + e);
        }
    }

    @Override
    public void exit(Session s) {
        sessions.exit(s);
    }

    /** The longest line accepted: a {@code write} of max_payload bytes in hex, plus room for the words before it. */
    public static int lineLimit(ServerOptions o) {
        return (int) Math.min(Integer.MAX_VALUE - 8, 2L * o.maxPayload() + 128);
    }

    /** QEMU 7.2: missing bytes are zero, extra digits ignored, fewer than 3 characters is "ERR invalid argument size". */
    private String write(Session s, List<String> w) {
        long addr = number(w, 1);
        int size = size(w, true);
        String hex = arg(w, 3);
        if (hex.length() < 3) {
            return "ERR invalid argument size";
        }
        byte[] data = new byte[size];
        for (int i = 0; i < size && i * 2 + 4 <= hex.length(); i++) {
            data[i] = (byte) (nibble(hex.charAt(i * 2 + 2)) << 4 | nibble(hex.charAt(i * 2 + 3)));
        }
        access.writeBytes(addr, data);
        return "OK";
    }

    /** QEMU 7.2: a length mismatch is only logged and the shorter of the two is written. */
    private String b64write(Session s, List<String> w) {
        long addr = number(w, 1);
        int size = size(w, true);
        byte[] decoded;
        try {
            decoded = Base64.getMimeDecoder().decode(arg(w, 3));
        } catch (IllegalArgumentException e) {
            throw new TextFailure("b64write: " + e.getMessage());
        }
        access.writeBytes(addr, decoded.length <= size ? decoded : java.util.Arrays.copyOf(decoded, size));
        return "OK";
    }

    /** QEMU 7.2 replies {@code OK <now>} whether or not time moved (no deadline, or a step of 0 or less). */
    private String clockStep(Session s, List<String> w) {
        if (w.size() > 1) {
            long ns = number(w, 1);
            if (ns > 0) {
                access.clockStep(ns);
            }
        } else {
            access.clockStep(0);
        }
        return "OK " + access.now();
    }

    /** One intercepted device per session, as in QEMU; any path is accepted and all interrupts are then reported. */
    private String intercept(Session s, List<String> w) {
        String path = arg(w, 1);
        if (s.interceptPath() != null) {
            return s.interceptPath().equals(path) ? "OK" : "FAIL IRQ intercept already enabled";
        }
        s.setInterceptPath(path);
        sessions.fanout().watch(s, true);
        return "OK";
    }

    private static Outcome reply(String line) {
        return Outcome.reply(new TextReply(line));
    }

    private static String arg(List<String> w, int i) {
        if (w.size() <= i) {
            throw new TextFailure(w.get(0) + ": missing argument " + i);
        }
        return w.get(i);
    }

    private static long number(List<String> w, int i) {
        return CNumber.parse(arg(w, i));
    }

    private static int port(List<String> w) {
        long p = number(w, 1);
        if (p < 0 || p > 0xFFFF) {
            throw new TextFailure(w.get(0) + ": port " + w.get(1) + " is above 0xffff");
        }
        return (int) p;
    }

    private int size(List<String> w, boolean zeroAllowed) {
        long n = number(w, 2);
        if (n < 0 || n > sessions.options().maxPayload() || (n == 0 && !zeroAllowed)) {
            throw new TextFailure(w.get(0) + ": size " + w.get(2) + " is not in 1.." + sessions.options().maxPayload());
        }
        return (int) n;
    }

    private static int nibble(char c) {
        int v = Character.digit(c, 16);
        if (v < 0) {
            throw new TextFailure("write: '" + c + "' is not a hex digit");
        }
        return v;
    }
}
