package dev.vplat.vfio.server;

import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.platform.DriverControl;
import dev.vplat.vfio.platform.MachineAccess;

import java.util.List;

/** The guest-role ops (PROTOCOL.md "Machine access"): memory, port I/O, batches, clock, IRQs, info, drivers. */
final class MachineOps {
    static final int BATCH_ENTRY_SIZE = 18;

    record Range(long addr, long size) {
    }

    record Write(long addr, byte[] data) {
    }

    record Fill(long addr, long size, byte value) {
    }

    record Pio(int port, int width, long value) {
    }

    /** One BATCH entry; {@code kind} 0 mem read, 1 mem write, 2 pio read, 3 pio write. */
    record BatchEntry(int kind, int width, long addr, long value) {
    }

    private final SessionManager sessions;
    private final MachineAccess access;

    MachineOps(SessionManager sessions) {
        this.sessions = sessions;
        this.access = sessions.platform().access();
    }

    List<OpSpec<?>> specs() {
        return List.of(
                new OpSpec<>(Op.MEM_READ, p -> ended(p, new Range(p.u64(), Integer.toUnsignedLong(p.u32()))), this::memRead),
                new OpSpec<>(Op.MEM_WRITE, MachineOps::decodeWrite, (s, w) -> {
                    access.writeBytes(w.addr(), w.data());
                    return OpResult.OK;
                }),
                new OpSpec<>(Op.MEM_FILL, p -> ended(p, new Fill(p.u64(), p.u64(), (byte) p.u8())), (s, f) -> {
                    access.fill(f.addr(), f.size(), f.value());
                    return OpResult.OK;
                }),
                new OpSpec<>(Op.PIO_READ, p -> ended(p, new Pio(p.u16(), p.u8(), 0)),
                        (s, pio) -> OpResult.of(new ReplyBody.U32((int) access.pioRead(pio.port(), pio.width())))),
                new OpSpec<>(Op.PIO_WRITE, p -> ended(p, new Pio(p.u16(), p.u8(), Integer.toUnsignedLong(p.u32()))),
                        (s, pio) -> {
                            access.pioWrite(pio.port(), pio.width(), pio.value());
                            return OpResult.OK;
                        }),
                new OpSpec<>(Op.BATCH, MachineOps::decodeBatch, this::batch),
                new OpSpec<>(Op.CLOCK_STEP, MachineOps::u64Only,
                        (s, ns) -> OpResult.of(new ReplyBody.U64(access.clockStep(ns)))),
                new OpSpec<>(Op.CLOCK_SET, MachineOps::u64Only,
                        (s, ns) -> OpResult.of(new ReplyBody.U64(access.clockSet(ns)))),
                new OpSpec<>(Op.IRQ_WATCH, p -> ended(p, p.u32() != 0), (s, on) -> {
                    sessions.fanout().watch(s, on);
                    return OpResult.OK;
                }),
                new OpSpec<Void>(Op.MACHINE_INFO, MachineOps::empty,
                        (s, a) -> OpResult.of(new ReplyBody.Utf8(sessions.platform().machineInfo()))),
                new OpSpec<Void>(Op.MACHINE_RESET, MachineOps::empty, (s, a) -> {
                    access.reset();
                    return OpResult.OK;
                }),
                new OpSpec<>(Op.DRIVER_BIND, p -> words(p, 2, "BDF DRIVER"), (s, w) -> {
                    drivers().bind(w[0], w[1]);
                    return OpResult.OK;
                }),
                new OpSpec<>(Op.DRIVER_UNBIND, p -> words(p, 1, "BDF"), (s, w) -> {
                    drivers().unbind(w[0]);
                    return OpResult.OK;
                }));
    }

    private OpResult memRead(Session s, Range r) {
        if (r.size() == 0) {
            throw new ServerError(Errno.EINVAL, "MEM_READ: size must be at least 1");
        }
        if (r.size() > sessions.options().maxPayload()) {
            throw new ServerError(Errno.EMSGSIZE, "MEM_READ: " + r.size() + " bytes exceed max_payload "
                    + sessions.options().maxPayload());
        }
        return OpResult.of(new ReplyBody.Bytes(access.readBytes(r.addr(), (int) r.size())));
    }

    private OpResult batch(Session s, BatchEntry[] entries) {
        long[] values = new long[entries.length];
        for (int i = 0; i < entries.length; i++) {
            BatchEntry e = entries[i];
            try {
                switch (e.kind()) {
                    case 0: values[i] = access.read(e.addr(), e.width()); break;
                    case 1: access.write(e.addr(), e.width(), e.value()); break;
                    case 2: values[i] = access.pioRead((int) e.addr(), e.width()); break;
                    case 3: access.pioWrite((int) e.addr(), e.width(), e.value()); break;
                    default: throw new ErrnoException(Errno.EINVAL, "kind " + e.kind() + " is not 0..3");
                }
            } catch (ErrnoException ex) {
                throw new ServerError(ex.errno(), "BATCH entry " + i + ": " + ex.getMessage(),
                        new ReplyBody.U64s(values, i));
            }
        }
        return OpResult.of(new ReplyBody.U64s(values, values.length));
    }

    private DriverControl drivers() {
        DriverControl d = sessions.kernel().serviceOrNull(DriverControl.class);
        if (d == null) {
            throw new ServerError(Errno.ENODEV, "this machine has no host driver core");
        }
        return d;
    }

    private static Write decodeWrite(Payload p) {
        long addr = p.u64();
        long size = Integer.toUnsignedLong(p.u32());
        if (p.remaining() != size) {
            throw new ServerError(Errno.EINVAL, "MEM_WRITE: size says " + size + " bytes but " + p.remaining() + " follow");
        }
        return new Write(addr, p.rest());
    }

    private static BatchEntry[] decodeBatch(Payload p) {
        long count = Integer.toUnsignedLong(p.u32());
        if (p.remaining() != count * BATCH_ENTRY_SIZE) {
            throw new ServerError(Errno.EINVAL, "BATCH: " + count + " entries need " + count * BATCH_ENTRY_SIZE
                    + " bytes, " + p.remaining() + " follow");
        }
        BatchEntry[] entries = new BatchEntry[(int) count];
        for (int i = 0; i < entries.length; i++) {
            entries[i] = new BatchEntry(p.u8(), p.u8(), p.u64(), p.u64());
        }
        return entries;
    }

    private static Long u64Only(Payload p) {
        return ended(p, p.u64());
    }

    private static Void empty(Payload p) {
        p.end();
        return null;
    }

    private static String[] words(Payload p, int n, String form) {
        String text = p.utf8().trim();
        String[] w = text.isEmpty() ? new String[0] : text.split("\\s+");
        if (w.length != n) {
            throw new ServerError(Errno.EINVAL, "expected \"" + form + "\", got \"" + text + "\"");
        }
        return w;
    }

    /** Returns {@code value} after checking the payload has nothing left; arguments are read left to right. */
    static <T> T ended(Payload p, T value) {
        p.end();
        return value;
    }
}
