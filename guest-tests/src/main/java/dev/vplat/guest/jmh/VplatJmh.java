package dev.vplat.guest.jmh;

import dev.vplat.guest.bench.Syscalls;
import dev.vplat.guest.bench.VtdBenchMachine;
import dev.vplat.guest.client.Frame;
import dev.vplat.guest.client.FrameCodec;
import dev.vplat.guest.client.Op;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasAlloc;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasMap;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasUnmap;
import dev.vplat.vfio.uapi.Uapi;
import dev.vplat.platform.memory.AddressSpace;
import dev.vplat.platform.regs.RegisterBank;
import dev.vplat.vfio.platform.Platform;
import dev.vplat.vfio.platform.PlatformConfig;
import dev.vplat.vfio.platform.Platforms;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

import static dev.vplat.vfio.uapi.IommufdIoctl.IOAS_MAP_FIXED_IOVA;
import static dev.vplat.vfio.uapi.IommufdIoctl.IOAS_MAP_READABLE;
import static dev.vplat.vfio.uapi.IommufdIoctl.IOAS_MAP_WRITEABLE;
import static dev.vplat.vfio.uapi.IommufdIoctl.IOMMU_IOAS_ALLOC;
import static dev.vplat.vfio.uapi.IommufdIoctl.IOMMU_IOAS_MAP;
import static dev.vplat.vfio.uapi.IommufdIoctl.IOMMU_IOAS_UNMAP;

/**
 * JMH microbenchmarks of the hot paths, each beside its floor so the ratio can be read off one
 * run: MMIO dispatch against a RAM read through the same address space, a register-bank access,
 * IOTLB hits against a direct-mapped array, 4-level walks against the four raw table reads, the
 * client frame codec, and an io_pagetable insert+remove next to 10^6 existing areas (through
 * the IOAS ioctls in process). Run with {@code vplat bench --jmh [REGEX]}.
 */
@BenchmarkMode(Mode.Throughput)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class VplatJmh {
    private static final long VER = 0xFED9_0000L, RAM = 0x10_0000L;
    private static final int MISS_PAGES = 1 << 16, HIT_PAGES = 256;

    /** The default q35 machine, in process. */
    @State(Scope.Thread)
    public static class Q35 {
        Platform platform;
        AddressSpace system;
        RegisterBank dmar0;

        @Setup
        public void setUp() {
            platform = Platforms.create(PlatformConfig.defaults());
            system = platform.machine().system();
            dmar0 = platform.machine().components(dev.vplat.iommu.vtd.VtdUnit.class).get(0).registers();
        }

        @TearDown
        public void tearDown() {
            platform.close();
        }
    }

    /** A VT-d unit translating 65536 mapped pages for one function. */
    @State(Scope.Thread)
    public static class Vtd {
        VtdBenchMachine m;
        long hit, miss, top;

        @Setup
        public void setUp() {
            m = new VtdBenchMachine();
            m.mapPages(MISS_PAGES);
            top = m.entryAddress(0, 4) & ~0xFFFL;
        }
    }

    /** A direct-mapped software TLB: the least an IOTLB hit can cost. */
    @State(Scope.Thread)
    public static class ArrayTlb {
        long[] tags = new long[HIT_PAGES];
        long[] values = new long[HIT_PAGES];
        long next;

        @Setup
        public void setUp() {
            for (int i = 0; i < HIT_PAGES; i++) {
                tags[i] = i;
                values[i] = (long) i << 12;
            }
        }
    }

    /** One MEM_READ request's bytes, replayed endlessly into the decoder. */
    @State(Scope.Thread)
    public static class Codec {
        Frame frame = Frame.request(7, Op.MEM_READ, new byte[12]);
        FrameCodec decoder;

        @Setup
        public void setUp() {
            ByteBuffer one = FrameCodec.encode(frame);
            byte[] bytes = new byte[one.remaining()];
            one.get(bytes);
            decoder = new FrameCodec(new Replay(bytes), FrameCodec.DEFAULT_MAX_PAYLOAD);
        }
    }

    /** An IOAS holding 10^6 single-page areas 8 KiB apart, no domain: the io_pagetable alone. */
    @State(Scope.Thread)
    public static class MillionAreas {
        static final int AREAS = 1_000_000;
        Platform platform;
        Syscalls sys;
        int iommufd;
        byte[] map, unmap;

        @Setup(Level.Trial)
        public void setUp() {
            platform = Platforms.create(PlatformConfig.defaults());
            sys = Syscalls.inProcess(platform.kernel(), true);
            iommufd = sys.open("/dev/iommu");
            int ioas = Uapi.decode(IommuIoasAlloc.class, sys.ioctl(iommufd, IOMMU_IOAS_ALLOC,
                Uapi.encode(new IommuIoasAlloc(Uapi.sizeOf(IommuIoasAlloc.class), 0, 0)))).outIoasId();
            long uva = sys.mmap(4096);
            int flags = IOAS_MAP_FIXED_IOVA | IOAS_MAP_READABLE | IOAS_MAP_WRITEABLE;
            for (int i = 0; i < AREAS; i++) {
                sys.ioctl(iommufd, IOMMU_IOAS_MAP, Uapi.encode(new IommuIoasMap(Uapi.sizeOf(IommuIoasMap.class), flags, ioas, 0, uva, 4096, 0x1_0000_0000L + 8192L * i)));
            }
            long middle = 0x1_0000_0000L + 8192L * (AREAS / 2) + 4096;
            map = Uapi.encode(new IommuIoasMap(Uapi.sizeOf(IommuIoasMap.class), flags, ioas, 0, uva, 4096, middle));
            unmap = Uapi.encode(new IommuIoasUnmap(Uapi.sizeOf(IommuIoasUnmap.class), ioas, middle, 4096));
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            platform.close();
        }
    }

    @Benchmark
    public long mmioDispatchVtdVer(Q35 s) {
        return s.system.read(VER, 4);
    }

    @Benchmark
    public long mmioFloorRamRead(Q35 s) {
        return s.system.read(RAM, 4);
    }

    @Benchmark
    public long registerBankRead(Q35 s) {
        return s.dmar0.read(0x08, 8);
    }

    @Benchmark
    public long iotlbHit(Vtd s) {
        s.hit = (s.hit + 1) & (HIT_PAGES - 1);
        return s.m.unit.translate(s.m.sourceId, -1, s.hit << 12, false).address();
    }

    @Benchmark
    public long iotlbFloorArrayLookup(ArrayTlb s) {
        long page = s.next++ & (HIT_PAGES - 1);
        int slot = (int) page;
        return s.tags[slot] == page ? s.values[slot] : -1;
    }

    @Benchmark
    public long pageWalk(Vtd s) {
        s.miss = (s.miss + 1) & (MISS_PAGES - 1);
        return s.m.unit.translate(s.m.sourceId, -1, s.miss << 12, false).address();
    }

    @Benchmark
    public long pageWalkFloorFourReads(Vtd s) {
        s.miss = (s.miss + 1) & (MISS_PAGES - 1);
        long iova = s.miss << 12;
        long table = s.top;
        for (int level = 4; level >= 1; level--) {
            table = s.m.memory.read(table + 8L * ((iova >>> (12 + 9 * (level - 1))) & 0x1FF), 8) & 0x000F_FFFF_FFFF_F000L;
        }
        return table;
    }

    @Benchmark
    public ByteBuffer frameEncode(Codec s) {
        return FrameCodec.encode(s.frame);
    }

    @Benchmark
    public Frame frameDecode(Codec s) throws IOException {
        return s.decoder.read();
    }

    @Benchmark
    public byte[] ioPagetableInsertRemoveAtMillionAreas(MillionAreas s) {
        s.sys.ioctl(s.iommufd, IOMMU_IOAS_MAP, s.map);
        return s.sys.ioctl(s.iommufd, IOMMU_IOAS_UNMAP, s.unmap);
    }

    /** A channel that yields the same bytes over and over. */
    static final class Replay implements ReadableByteChannel {
        private final byte[] bytes;
        private int at;

        Replay(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read(ByteBuffer dst) {
            int n = 0;
            while (dst.hasRemaining()) {
                int k = Math.min(dst.remaining(), bytes.length - at);
                dst.put(bytes, at, k);
                at = (at + k) % bytes.length;
                n += k;
            }
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
