package dev.vplat.guest.robust;

import dev.vplat.guest.client.EmbeddedVplat;
import dev.vplat.guest.client.Iommufd;
import dev.vplat.guest.client.MachineInfo;
import dev.vplat.guest.client.Op;
import dev.vplat.guest.client.Role;
import dev.vplat.guest.client.UserBuffer;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.robust.RawConnection.Answer;
import dev.vplat.vfio.platform.ClockMode;
import dev.vplat.vfio.platform.PlatformConfig;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Runs the protocol fuzzer against a live server over a real socket — an embedded one (q35,
 * test hooks on) or {@code --target}. Sessions follow each other; each is a user or guest
 * process with a short fixed prologue (a mapping, /dev/iommu, the VFIO container, a VFIO cdev,
 * an eventfd) and then a run of generated inputs, and ends with BYE, an abrupt close, or a half
 * sent frame and a close. Every input must be answered with an error or a valid reply, or be a
 * fatal frame that is answered and closed; the server's {@code internal_errors} must not move.
 * After the last session the session-scoped counters must be back at their baseline and a fresh
 * guest and a fresh user must be served correctly.
 *
 * <p>Session {@code n} of seed {@code S} draws from {@code new Random(S * 1_000_003 + n)}: a
 * finding names the seed and the session, and rerunning with the same seed replays it.
 */
public final class FuzzRunner {
    /** The counters every session's exit must bring back. */
    static final List<String> SESSION_COUNTERS = List.of("sessions", "fds", "iommufd_objects", "pinned_pages",
            "dma_owner_claims", "queued_events", "vfio_device_files", "internal_errors");
    private static final int USER_BUFFER = 64 * 1024;
    private static final String FUZZ_CDEV_DEVICE = "0000:01:00.0";

    private final String target;
    private final String token;
    private final long seed;
    private final long iterations;
    private final int maxInputsPerSession;
    private final Duration replyTimeout;
    private PrintWriter progress;
    private int progressEvery = 100;

    public FuzzRunner(String target, String token, long seed, long iterations) {
        this(target, token, seed, iterations, 64, Duration.ofSeconds(10));
    }

    /** @param target {@code tcp:HOST:PORT} / {@code unix:PATH}, or null for an embedded server */
    public FuzzRunner(String target, String token, long seed, long iterations, int maxInputsPerSession,
                      Duration replyTimeout) {
        this.target = target;
        this.token = token;
        this.seed = seed;
        this.iterations = iterations;
        this.maxInputsPerSession = maxInputsPerSession;
        this.replyTimeout = replyTimeout;
    }

    public FuzzRunner progress(PrintWriter out) {
        return progress(out, 100);
    }

    /** Prints a progress line (sessions, inputs, findings, heap in use) every {@code everySessions} sessions. */
    public FuzzRunner progress(PrintWriter out, int everySessions) {
        this.progress = out;
        this.progressEvery = everySessions;
        return this;
    }

    /** The embedded server a run without a target uses: the default q35 machine with test hooks (IOMMU_TEST_CMD) on. */
    static PlatformConfig embeddedConfig() {
        return new PlatformConfig("q35", List.of(), List.of(), PlatformConfig.DEFAULT_MEMORY, false, "",
                ClockMode.VIRTUAL, true, List.of());
    }

    public FuzzReport run() {
        if (target != null) {
            return runAgainst(target);
        }
        try (EmbeddedVplat vplat = EmbeddedVplat.start(embeddedConfig())) {
            return runAgainst(vplat.address());
        }
    }

    private FuzzReport runAgainst(String address) {
        long start = System.nanoTime();
        List<FuzzReport.Finding> findings = new ArrayList<>();
        Map<String, Long> answers = new TreeMap<>();
        try (VplatClient monitor = connect(address, Role.GUEST, "fuzz-monitor")) {
            MachineInfo info = monitor.machineInfo();
            long poolBase = info.memory().stream().filter(m -> m.kind().equals("host-reserved")).mapToLong(
                    MachineInfo.MemoryRange::base).findFirst().orElse(16L << 20);
            prepareCdev(monitor, info);
            Map<String, Long> baseline = sessionCounters(monitor.machineInfo());
            long inputs = 0;
            long session = 0;
            while (inputs < iterations) {
                session++;
                long internalBefore = monitor.machineInfo().counter("internal_errors");
                inputs += fuzzSession(address, session, poolBase, answers, findings);
                awaitSessions(monitor, baseline.get("sessions"));
                long internal = monitor.machineInfo().counter("internal_errors") - internalBefore;
                if (internal > 0) {
                    findings.add(new FuzzReport.Finding(session, -1, "", internal + " internal error(s) in the server"
                            + " (exceptions it caught; see its stderr)", ""));
                }
                if (progress != null && session % progressEvery == 0) {
                    Runtime rt = Runtime.getRuntime();
                    progress.printf("  %d sessions, %d inputs, %d findings, heap %d MiB%n", session, inputs,
                            findings.size(), (rt.totalMemory() - rt.freeMemory()) >> 20);
                    progress.flush();
                }
            }
            Map<String, Long> after = sessionCounters(monitor.machineInfo());
            if (!after.equals(baseline)) {
                findings.add(new FuzzReport.Finding(session, -1, "", "counters did not return to their baseline "
                        + baseline + " after every session closed: " + after, ""));
            }
            String fresh = secondClient(address);
            if (fresh != null) {
                findings.add(new FuzzReport.Finding(session + 1, -1, "", "a fresh client was not served correctly: "
                        + fresh, ""));
            }
            awaitSessions(monitor, baseline.get("sessions"));
            Map<String, Long> end = sessionCounters(monitor.machineInfo());
            if (!end.equals(baseline)) {
                findings.add(new FuzzReport.Finding(session + 1, -1, "", "counters after the fresh clients: " + end, ""));
            }
            return new FuzzReport(seed, inputs, session, Duration.ofNanos(System.nanoTime() - start), answers,
                    List.copyOf(findings), baseline, end);
        }
    }

    private VplatClient connect(String address, Role role, String name) {
        return VplatClient.builder().address(address).role(role).name(name)
                .token(role == Role.GUEST ? token : null).connect();
    }

    /** Puts the DMA test device on vfio-pci so that sessions find a VFIO cdev to fuzz. */
    private static void prepareCdev(VplatClient monitor, MachineInfo info) {
        info.pci(FUZZ_CDEV_DEVICE).ifPresent(f -> {
            if (!"vfio-pci".equals(f.driver())) {
                if (f.driver() != null) {
                    monitor.driverUnbind(FUZZ_CDEV_DEVICE);
                }
                monitor.driverBind(FUZZ_CDEV_DEVICE, "vfio-pci");
            }
        });
    }

    private static Map<String, Long> sessionCounters(MachineInfo info) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (String name : SESSION_COUNTERS) {
            out.put(name, info.counters().getOrDefault(name, 0L));
        }
        return out;
    }

    /** A session's exit runs on the server just after its socket closes: wait for it. */
    private static void awaitSessions(VplatClient monitor, long sessions) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (monitor.machineInfo().counter("sessions") > sessions && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
    }

    /** One session; returns how many generated inputs it sent. */
    private int fuzzSession(String address, long session, long poolBase, Map<String, Long> answers,
                            List<FuzzReport.Finding> findings) {
        Random rnd = new Random(seed * 1_000_003L + session);
        boolean guest = rnd.nextBoolean();
        int count = 1 + rnd.nextInt(maxInputsPerSession);
        int sent = 0;
        try (RawConnection c = RawConnection.open(address, FuzzInput.MAX_PAYLOAD)) {
            c.send(new byte[] {'V', 'P', 'L', '1'});
            Prologue p = prologue(c, guest, session, findings);
            if (p == null) {
                return 0;
            }
            FrameGenerator gen = new FrameGenerator(rnd, new Values(rnd, p.buffer, USER_BUFFER, poolBase), p.fds);
            for (int i = 0; i < count; i++) {
                FuzzInput in = gen.next();
                sent++;
                c.send(in.bytes());
                if (!check(c, in, session, i, answers, findings) || in.closes()) {
                    return sent;
                }
            }
            switch (rnd.nextInt(3)) {
                case 0 -> {
                    FuzzInput bye = FuzzInput.frame("BYE", 1, Op.BYE.code(), 0, new byte[0]);
                    c.send(bye.bytes());
                    check(c, bye, session, count, answers, findings);
                    if (!c.awaitClose(replyTimeout)) {
                        findings.add(new FuzzReport.Finding(session, count, "BYE", "not closed after BYE", ""));
                    }
                }
                case 1 -> c.send(gen.halfFrame());
                default -> { }
            }
        } catch (IOException e) {
            findings.add(new FuzzReport.Finding(session, sent, "", "socket error: " + e, ""));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return sent;
    }

    private record Prologue(long buffer, int[] fds) { }

    /** HELLO and the fixed setup calls; null (with a finding) when HELLO fails. */
    private Prologue prologue(RawConnection c, boolean guest, long session, List<FuzzReport.Finding> findings)
            throws IOException, InterruptedException {
        byte[] hello = new Payloads().u16(1).u16(0).u32(guest ? 1 : 0)
                .utf8(token != null && guest ? "{\"client\":\"fuzz\",\"token\":\"" + token + "\"}" : "{\"client\":\"fuzz\"}")
                .done();
        RawConnection.Incoming r = call(c, 1, Op.HELLO, hello);
        if (r == null || r.result() < 0) {
            findings.add(new FuzzReport.Finding(session, -1, "HELLO", "HELLO was not accepted: " + r, ""));
            return null;
        }
        RawConnection.Incoming mmap = call(c, 2, Op.MMAP, new Payloads().u64(USER_BUFFER).u32(3).u32(0).u64(0).done());
        long buffer = mmap != null && mmap.result() >= 0
                ? ByteBuffer.wrap(mmap.payload()).order(ByteOrder.LITTLE_ENDIAN).getLong() : 0;
        List<Integer> fds = new ArrayList<>();
        int tag = 3;
        for (String path : new String[] {"/dev/iommu", "/dev/vfio/vfio", "/dev/vfio/devices/vfio0"}) {
            RawConnection.Incoming o = call(c, tag++, Op.OPEN, path.getBytes(StandardCharsets.UTF_8));
            if (o != null && o.result() >= 0) {
                fds.add(o.result());
            }
        }
        RawConnection.Incoming e = call(c, tag, Op.EVENTFD, new Payloads().u64(0).done());
        if (e != null && e.result() >= 0) {
            fds.add(e.result());
        }
        if (fds.isEmpty()) {
            fds.add(3);
        }
        return new Prologue(buffer, fds.stream().mapToInt(Integer::intValue).toArray());
    }

    private RawConnection.Incoming call(RawConnection c, int tag, Op op, byte[] payload)
            throws IOException, InterruptedException {
        c.send(FuzzInput.frame(op.name(), tag, op.code(), 0, payload).bytes());
        return c.awaitReply(tag, replyTimeout) instanceof Answer.Reply reply ? reply.frame() : null;
    }

    /** Checks the server's answer to one input; false when the session cannot go on. */
    private boolean check(RawConnection c, FuzzInput in, long session, int index, Map<String, Long> answers,
                          List<FuzzReport.Finding> findings) throws InterruptedException {
        Answer a = c.awaitReply(in.tag(), replyTimeout);
        if (a instanceof Answer.Silent) {
            findings.add(finding(session, index, in, "no answer within " + replyTimeout.toSeconds() + " s"));
            return false;
        }
        if (a instanceof Answer.Closed closed) {
            if (!in.closes() && !closed.notice()) {
                findings.add(finding(session, index, in, "the server closed the connection without answering"));
            }
            answers.merge(closed.notice() ? "closed after EVENT_LOG" : "closed", 1L, Long::sum);
            return false;
        }
        RawConnection.Incoming f = ((Answer.Reply) a).frame();
        String problem = replyProblem(in, f);
        if (problem != null) {
            findings.add(finding(session, index, in, problem));
            return false;
        }
        answers.merge(f.result() >= 0 ? "ok" : errnoName(-f.result()), 1L, Long::sum);
        if (in.closes() && !c.awaitClose(replyTimeout)) {
            findings.add(finding(session, index, in, "answered but not closed after a frame the stream cannot survive"));
            return false;
        }
        return true;
    }

    /** Why a reply is not a valid answer to {@code in}, or null. */
    static String replyProblem(FuzzInput in, RawConnection.Incoming f) {
        if (f.flags() != 1) {
            return "reply flags 0x" + Integer.toHexString(f.flags()) + " (expected REPLY only)";
        }
        if (f.tag() != in.tag() || f.op() != (in.op() & 0xFFFF)) {
            return "reply tag " + f.tag() + " op 0x" + Integer.toHexString(f.op()) + " answers another request";
        }
        if (f.result() >= 0) {
            return null;
        }
        int errno = -f.result();
        if (errno > 133) {
            return "result " + f.result() + " is not an errno";
        }
        byte[] p = f.payload();
        if (p.length < 2) {
            return "error reply without its message length";
        }
        int n = (p[0] & 0xFF) | (p[1] & 0xFF) << 8;
        if (2 + n > p.length) {
            return "error message of " + n + " bytes in a payload of " + p.length;
        }
        String message = new String(Arrays.copyOfRange(p, 2, 2 + n), StandardCharsets.UTF_8);
        if (errno == 5 && message.contains("inside the machine")) {
            return "internal error: " + message;
        }
        return null;
    }

    private static FuzzReport.Finding finding(long session, int index, FuzzInput in, String problem) {
        return new FuzzReport.Finding(session, index, in.kind(), problem, in.hex());
    }

    private static String errnoName(int errno) {
        for (dev.vplat.vfio.kernel.Errno e : dev.vplat.vfio.kernel.Errno.values()) {
            if (e.number() == errno) {
                return e.name();
            }
        }
        return "errno " + errno;
    }

    /** A fresh guest and a fresh user do real work; null when both were served correctly. */
    private String secondClient(String address) {
        try (VplatClient guest = connect(address, Role.GUEST, "fuzz-after-guest");
             VplatClient user = connect(address, Role.USER, "fuzz-after-user")) {
            byte[] pattern = new byte[64];
            new Random(seed).nextBytes(pattern);
            guest.memWrite(0x10_0000L, pattern);
            if (!Arrays.equals(pattern, guest.memRead(0x10_0000L, pattern.length))) {
                return "guest RAM did not read back what was written";
            }
            try (UserBuffer buf = user.mmap(4 * 4096); Iommufd iommufd = user.openIommufd()) {
                int ioas = iommufd.ioasAlloc();
                long iova = iommufd.map(ioas, buf);
                if (iommufd.unmap(ioas, iova, 4 * 4096) != 4 * 4096) {
                    return "IOAS_UNMAP did not remove the mapping IOAS_MAP made";
                }
                iommufd.destroy(ioas);
            }
            return null;
        } catch (RuntimeException e) {
            return e.toString();
        }
    }
}
