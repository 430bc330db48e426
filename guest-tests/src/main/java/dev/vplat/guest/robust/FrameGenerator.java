package dev.vplat.guest.robust;

import dev.vplat.guest.client.Op;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.VfioIoctl;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The inputs of one fuzzed session, from its own seeded {@link Random}: every op of the protocol
 * with fields drawn from {@link Values}, ioctls with {@link StructFuzzer} structs on the fds the
 * session opened, random payloads under known op codes, mutations (bit flips, cuts, extensions)
 * of well-formed frames, header abuse (flags set, unknown ops, event ops sent as requests, a
 * second HELLO), and rarely a length field that ends the connection.
 */
final class FrameGenerator {
    private static final List<String> PATHS = List.of("/dev/iommu", "/dev/vfio/vfio", "/dev/vfio/devices/vfio0",
            "/dev/vfio/devices/vfio1", "/dev/vfio/0", "/dev/vfio/2", "/dev/vfio/3", "/dev/null", "", "/dev/iommu\0x",
            "/dev/../dev/iommu", "/dev/vfio/devices/vfio99999999999");
    private static final List<String> BDFS = List.of("0000:01:00.0", "0000:00:05.0", "0000:00:05.1", "0000:02:01.0",
            "0000:00:03.0", "0000:00:07.0", "0000:ff:1f.7", "zz");
    private static final List<String> DRIVERS = List.of("vfio-pci", "pci-stub", "dmatest", "edu", "nope");
    private static final int[] SCALAR_REQUESTS = {VfioIoctl.GET_API_VERSION, VfioIoctl.CHECK_EXTENSION,
            VfioIoctl.SET_IOMMU, VfioIoctl.DEVICE_RESET, VfioIoctl.GROUP_UNSET_CONTAINER, VfioIoctl.GROUP_SET_CONTAINER,
            VfioIoctl.GROUP_GET_DEVICE_FD, IommufdIoctl.IOMMU_IOAS_ALLOC, 0, -1, 0x3b00, 0x3bff};

    private final Random rnd;
    private final Values values;
    private final StructFuzzer structs;
    private final int[] fds;
    private int tag = 100;

    /** @param fds the fds the session's prologue opened (more numbers are tried too) */
    FrameGenerator(Random rnd, Values values, int[] fds) {
        this.rnd = rnd;
        this.values = values;
        this.structs = new StructFuzzer(rnd, values);
        this.fds = fds.clone();
    }

    FuzzInput next() {
        int t = ++tag;
        int roll = rnd.nextInt(100);
        if (roll < 25) {
            return ioctlStruct(t);
        }
        if (roll < 33) {
            return ioctlScalar(t);
        }
        if (roll < 50) {
            return processOp(t);
        }
        if (roll < 66) {
            return guestOp(t);
        }
        if (roll < 78) {
            return FuzzInput.frame("random payload", t, randomKnownOp(), 0, values.bytes(rnd.nextInt(48)));
        }
        if (roll < 92) {
            FuzzInput f = processOrGuest(t);
            return f.op() == Op.MEM_FILL.code() ? f : mutate(f);
        }
        if (roll < 99) {
            return headerAbuse(t);
        }
        return rnd.nextBoolean() ? FuzzInput.badLength(t, randomKnownOp(), rnd.nextInt(12))
                : FuzzInput.badLength(t, randomKnownOp(), 12L + FuzzInput.MAX_PAYLOAD + 1 + rnd.nextInt(1 << 20));
    }

    /** A frame cut short: the session then vanishes without finishing it. */
    byte[] halfFrame() {
        FuzzInput f = processOrGuest(++tag);
        return Arrays.copyOf(f.bytes(), 1 + rnd.nextInt(f.bytes().length - 1));
    }

    private int fd() {
        return rnd.nextInt(5) == 0 ? (rnd.nextInt(4) == 0 ? rnd.nextInt() : rnd.nextInt(12)) : fds[rnd.nextInt(fds.length)];
    }

    private FuzzInput ioctlStruct(int t) {
        StructFuzzer.Target target = StructFuzzer.TARGETS.get(rnd.nextInt(StructFuzzer.TARGETS.size()));
        int request = rnd.nextInt(10) == 0 ? target.request() ^ (1 << rnd.nextInt(32)) : target.request();
        byte[] arg = structs.struct(target);
        return FuzzInput.frame("ioctl 0x" + Integer.toHexString(request) + " struct", t, Op.IOCTL.code(), 0,
                new Payloads().u32(fd()).u32(request).u32(1).u32(0).bytes(arg).done());
    }

    private FuzzInput ioctlScalar(int t) {
        int request = SCALAR_REQUESTS[rnd.nextInt(SCALAR_REQUESTS.length)];
        long arg = rnd.nextBoolean() ? rnd.nextInt(12) : values.pointer();
        int kind = rnd.nextInt(12) == 0 ? 2 + rnd.nextInt(5) : 0;
        return FuzzInput.frame("ioctl 0x" + Integer.toHexString(request) + " scalar", t, Op.IOCTL.code(), 0,
                new Payloads().u32(fd()).u32(request).u32(kind).u32(rnd.nextInt(3) == 0 ? rnd.nextInt() : 0).u64(arg).done());
    }

    private FuzzInput processOrGuest(int t) {
        return rnd.nextBoolean() ? processOp(t) : guestOp(t);
    }

    private FuzzInput processOp(int t) {
        Payloads p = new Payloads();
        Op op;
        switch (rnd.nextInt(10)) {
            case 0 -> {
                op = Op.OPEN;
                p.utf8(PATHS.get(rnd.nextInt(PATHS.size())));
            }
            case 1 -> {
                op = Op.CLOSE;
                p.u32(rnd.nextInt(4) == 0 ? fd() : rnd.nextInt(16) + 20);
            }
            case 2 -> {
                op = Op.PREAD;
                p.u32(fd()).u32(rnd.nextInt(4) == 0 ? values.anyLong() : 1 << rnd.nextInt(12))
                        .u64(((long) rnd.nextInt(10) << 40) + rnd.nextInt(0x1000));
            }
            case 3 -> {
                op = Op.PWRITE;
                p.u32(fd()).u32(0).u64(((long) rnd.nextInt(10) << 40) + rnd.nextInt(0x1000))
                        .bytes(values.bytes(1 << rnd.nextInt(4)));
            }
            case 4 -> {
                op = Op.EVENTFD;
                p.u64(values.anyLong());
            }
            case 5 -> {
                op = Op.MMAP;
                p.u64(values.lengthOrIova()).u32(rnd.nextInt(5)).u32(0).u64(rnd.nextBoolean() ? 0 : values.edge());
            }
            case 6 -> {
                op = Op.MUNMAP;
                p.u64(values.pointer() & (rnd.nextBoolean() ? -0x1000L : -1L)).u64(values.lengthOrIova());
            }
            case 7 -> {
                op = Op.UREAD;
                p.u64(values.pointer()).u32(rnd.nextInt(4) == 0 ? values.anyLong() : rnd.nextInt(0x2000));
            }
            case 8 -> {
                op = Op.UWRITE;
                p.u64(values.pointer()).bytes(values.bytes(rnd.nextInt(64)));
            }
            default -> {
                return ioctlStruct(t);
            }
        }
        return FuzzInput.frame(op.name(), t, op.code(), 0, p.done());
    }

    private FuzzInput guestOp(int t) {
        Payloads p = new Payloads();
        Op op;
        switch (rnd.nextInt(14)) {
            case 0, 1 -> {
                op = Op.MEM_READ;
                p.u64(values.readAddress()).u32(rnd.nextInt(6) == 0 ? values.anyLong() : 1 << rnd.nextInt(5));
            }
            case 2, 3 -> {
                op = Op.MEM_WRITE;
                int size = 1 << rnd.nextInt(5);
                byte[] data = values.bytes(rnd.nextInt(8) == 0 ? rnd.nextInt(40) : size);
                p.u64(values.writeAddress()).u32(size).bytes(data);
            }
            case 4 -> {
                op = Op.MEM_FILL;
                p.u64(values.writeAddress()).u64(rnd.nextInt(0x3000)).u8(rnd.nextInt(256));
            }
            case 5 -> {
                op = Op.PIO_READ;
                p.u16(rnd.nextInt(0x10000)).u8(rnd.nextInt(6));
            }
            case 6 -> {
                op = Op.PIO_WRITE;
                int port = rnd.nextInt(0xCF0);           // below CF8/CFC: no config cycles to host-owned functions
                p.u16(port).u8(1 << rnd.nextInt(3)).u32(rnd.nextInt());
            }
            case 7 -> {
                op = Op.BATCH;
                int count = rnd.nextInt(8) == 0 ? rnd.nextInt() & 0xFFFF : rnd.nextInt(8);
                p.u32(count);
                int real = Math.min(count, 8) + (rnd.nextInt(6) == 0 ? rnd.nextInt(3) - 1 : 0);
                for (int i = 0; i < real; i++) {
                    int kind = rnd.nextInt(5);
                    long addr = kind == 1 ? values.writeAddress() : kind == 3 ? rnd.nextInt(0xCF0) : values.readAddress();
                    p.u8(kind).u8(1 << rnd.nextInt(4)).u64(addr).u64(rnd.nextLong());
                }
            }
            case 8 -> {
                op = Op.CLOCK_STEP;
                p.u64(rnd.nextInt(3) == 0 ? values.edge() : rnd.nextInt(1_000_000));
            }
            case 9 -> {
                op = Op.CLOCK_SET;
                p.u64(rnd.nextInt(1_000_000_000));
            }
            case 10 -> {
                op = Op.IRQ_WATCH;
                p.u32(rnd.nextInt(3));
            }
            case 11 -> {
                op = Op.MACHINE_INFO;
            }
            case 12 -> {
                op = Op.DRIVER_BIND;
                p.utf8(BDFS.get(rnd.nextInt(BDFS.size())) + " " + DRIVERS.get(rnd.nextInt(DRIVERS.size())));
            }
            default -> {
                op = Op.DRIVER_UNBIND;
                p.utf8(BDFS.get(rnd.nextInt(BDFS.size())));
            }
        }
        return FuzzInput.frame(op.name(), t, op.code(), 0, p.done());
    }

    private FuzzInput mutate(FuzzInput f) {
        byte[] b = f.bytes().clone();
        int payload = b.length - 16;
        String how;
        switch (rnd.nextInt(3)) {
            case 0 -> {
                if (payload == 0) {
                    return f;
                }
                int flips = 1 + rnd.nextInt(4);
                for (int i = 0; i < flips; i++) {
                    int at = 16 + rnd.nextInt(payload);
                    b[at] ^= (byte) (1 << rnd.nextInt(8));
                }
                how = "bit flips";
            }
            case 1 -> {
                b = Arrays.copyOf(b, 16 + (payload == 0 ? 0 : rnd.nextInt(payload)));
                how = "cut";
            }
            default -> {
                b = Arrays.copyOf(b, b.length + 1 + rnd.nextInt(16));
                how = "extended";
            }
        }
        FuzzInput.encodeLength(b);
        return new FuzzInput(f.kind() + " (" + how + ")", f.tag(), f.op(), b, false);
    }

    private FuzzInput headerAbuse(int t) {
        return switch (rnd.nextInt(5)) {
            case 0 -> FuzzInput.frame("flags set", t, randomKnownOp(), 1 + rnd.nextInt(0xFFFF), new byte[0]);
            case 1 -> FuzzInput.frame("unknown op", t, 0x400 + rnd.nextInt(0xFC00), 0, values.bytes(rnd.nextInt(16)));
            case 2 -> FuzzInput.frame("event op as a request", t, 0x300 + rnd.nextInt(4), 0, values.bytes(rnd.nextInt(16)));
            case 3 -> FuzzInput.frame("second HELLO", t, Op.HELLO.code(), 0,
                    new Payloads().u16(1).u16(0).u32(rnd.nextInt(2)).utf8("{}").done());
            default -> FuzzInput.frame("tag 0", 0, Op.MACHINE_INFO.code(), 0, new byte[0]);
        };
    }

    /**
     * Any op but the ones that end or restart the session, and MEM_FILL: a fill costs what it
     * writes, and a random size over MMIO (256 MiB of ECAM is a minute of config writes) is a slow
     * request, not a robustness finding. Generated fills stay small and are never mutated.
     */
    private int randomKnownOp() {
        Op[] ops = Op.values();
        Op op = ops[rnd.nextInt(ops.length)];
        return op == Op.BYE || op == Op.HELLO || op == Op.MEM_FILL ? Op.MACHINE_INFO.code() : op.code();
    }
}
