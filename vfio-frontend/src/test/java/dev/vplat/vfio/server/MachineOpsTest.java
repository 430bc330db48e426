package dev.vplat.vfio.server;

import dev.vplat.platform.machine.Lifecycle;
import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.memory.MmioOps;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.platform.DriverControl;
import dev.vplat.vfio.platform.GuestAccessPolicy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MachineOpsTest {
    private static final long MMIO = 0xFE00_0000L;
    private final ServerFixture fx = new ServerFixture();
    private final Session guest = fx.guest();
    private final List<String> mmioLog = new ArrayList<>();

    private void addProbeMmio() {
        fx.platform.machine().addMmio("probe", MMIO, 0x1000, AccessRules.ANY, new MmioOps() {
            @Override
            public long read(long offset, int size) {
                mmioLog.add("r" + size + "@" + offset);
                if (offset == 0x800) {
                    throw new IllegalStateException("device model bug");
                }
                return 0x1122334455667788L;
            }

            @Override
            public void write(long offset, int size, long value) {
                mmioLog.add("w" + size + "@" + offset + "=" + Long.toHexString(value));
            }
        });
    }

    private Reply call(Op op, byte[] payload) {
        return fx.call(guest, op, payload);
    }

    private static byte[] data(Reply r) {
        return ((ReplyBody.Bytes) r.body()).data();
    }

    private static int errno(Reply r) {
        return -r.result();
    }

    @Test
    void memWriteThenMemReadRoundTripsRam() {
        byte[] bytes = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
        call(Op.MEM_WRITE, Bytes.le().u64(0x1003).u32(10).raw(bytes).array());
        assertArrayEquals(bytes, data(call(Op.MEM_READ, Bytes.le().u64(0x1003).u32(10).array())));
    }

    @Test
    void alignedDwordReadIsOneMmioAccess() {
        addProbeMmio();
        byte[] d = data(call(Op.MEM_READ, Bytes.le().u64(MMIO + 8).u32(4).array()));
        assertEquals(List.of("r4@8"), mmioLog);
        assertArrayEquals(new byte[] {(byte) 0x88, 0x77, 0x66, 0x55}, d);
    }

    @Test
    void alignedQwordWriteIsOneMmioAccess() {
        addProbeMmio();
        call(Op.MEM_WRITE, Bytes.le().u64(MMIO + 16).u32(8).u64(0xAABBCCDDL).array());
        assertEquals(List.of("w8@16=aabbccdd"), mmioLog);
    }

    @Test
    void deviceModelFailureIsEioAndTheSessionGoesOn() {
        addProbeMmio();
        assertEquals(Errno.EIO.number(), errno(call(Op.MEM_READ, Bytes.le().u64(MMIO + 0x800).u32(4).array())));
        assertEquals(0, call(Op.MEM_READ, Bytes.le().u64(MMIO).u32(4).array()).result());
    }

    @Test
    void memReadOfZeroBytesIsEinval() {
        assertEquals(Errno.EINVAL.number(), errno(call(Op.MEM_READ, Bytes.le().u64(0).u32(0).array())));
    }

    @Test
    void memReadAboveMaxPayloadIsEmsgsize() {
        assertEquals(Errno.EMSGSIZE.number(), errno(call(Op.MEM_READ, Bytes.le().u64(0).u32(16 * 1024 * 1024 + 1).array())));
    }

    @Test
    void memFillWritesTheByteOverTheRange() {
        call(Op.MEM_FILL, Bytes.le().u64(0x2000).u64(5).u8(0xAB).array());
        assertArrayEquals(new byte[] {0, (byte) 0xAB, (byte) 0xAB, (byte) 0xAB, (byte) 0xAB, (byte) 0xAB, 0},
                data(call(Op.MEM_READ, Bytes.le().u64(0x1FFF).u32(7).array())));
    }

    @Test
    void pioReadOfAnUnassignedPortIsAllOnes() {
        Reply r = call(Op.PIO_READ, Bytes.le().u16(0xCFC).u8(4).array());
        assertEquals(new ReplyBody.U32(-1), r.body());
    }

    @Test
    void pioWidthOtherThan124IsEinval() {
        assertEquals(Errno.EINVAL.number(), errno(call(Op.PIO_READ, Bytes.le().u16(0x80).u8(8).array())));
    }

    @Test
    void batchReturnsEachValueInOrder() {
        byte[] p = Bytes.le().u32(3)
                .u8(1).u8(4).u64(0x3000).u64(0xCAFEF00DL)
                .u8(0).u8(2).u64(0x3000).u64(0)
                .u8(2).u8(1).u64(0x60).u64(0).array();
        ReplyBody.U64s v = (ReplyBody.U64s) call(Op.BATCH, p).body();
        assertEquals(3, v.count());
        assertEquals(0, v.values()[0]);
        assertEquals(0xF00D, v.values()[1]);
        assertEquals(0xFF, v.values()[2]);
    }

    @Test
    void batchStopsAtTheFirstFailureWithTheValuesDoneSoFar() {
        byte[] p = Bytes.le().u32(3)
                .u8(1).u8(1).u64(0x3000).u64(0x5A)
                .u8(0).u8(1).u64(0x3000).u64(0)
                .u8(0).u8(3).u64(0x3000).u64(0).array();
        Reply r = call(Op.BATCH, p);
        assertEquals(-Errno.EINVAL.number(), r.result());
        ReplyBody.U64s done = (ReplyBody.U64s) ((ReplyBody.Error) r.body()).data();
        assertEquals(2, done.count());
        assertEquals(0x5A, done.values()[1]);
    }

    @Test
    void clockStepAdvancesAndReturnsNow() {
        assertEquals(new ReplyBody.U64(1000), call(Op.CLOCK_STEP, Bytes.le().u64(1000).array()).body());
        assertEquals(new ReplyBody.U64(1500), call(Op.CLOCK_STEP, Bytes.le().u64(500).array()).body());
    }

    @Test
    void clockStepZeroRunsToTheNextTimerDeadline() {
        List<Long> fired = new ArrayList<>();
        var clock = fx.platform.machine().clock();
        clock.newTimer("t", () -> fired.add(clock.now())).armAt(777);
        assertEquals(new ReplyBody.U64(777), call(Op.CLOCK_STEP, Bytes.le().u64(0).array()).body());
        assertEquals(List.of(777L), fired);
    }

    @Test
    void clockSetMovesForwardOnly() {
        assertEquals(new ReplyBody.U64(5000), call(Op.CLOCK_SET, Bytes.le().u64(5000).array()).body());
        assertEquals(Errno.EINVAL.number(), errno(call(Op.CLOCK_SET, Bytes.le().u64(4999).array())));
    }

    @Test
    void irqWatchReportsMsisFromTheCpuWindowWithoutRequesterId() {
        call(Op.IRQ_WATCH, Bytes.le().u32(1).array());
        call(Op.MEM_WRITE, Bytes.le().u64(0xFEE0_1000L).u32(4).u32(0x4041).array());
        assertEquals(List.of(new Event.Msi(0xFEE0_1000L, 0x4041, InterruptFanout.NO_REQUESTER_ID)), fx.events);
    }

    @Test
    void irqWatchReportsIntxLevels() {
        call(Op.IRQ_WATCH, Bytes.le().u32(1).array());
        fx.platform.machine().interrupts().setIntx(0x18, 1, true);
        fx.platform.machine().interrupts().setIntx(0x18, 1, false);
        assertEquals(List.of(new Event.Intx(0x18, 1, true), new Event.Intx(0x18, 1, false)), fx.events);
    }

    @Test
    void irqWatchOffStopsEvents() {
        call(Op.IRQ_WATCH, Bytes.le().u32(1).array());
        call(Op.IRQ_WATCH, Bytes.le().u32(0).array());
        call(Op.MEM_WRITE, Bytes.le().u64(0xFEE0_0000L).u32(4).u32(0x30).array());
        assertTrue(fx.events.isEmpty());
    }

    @Test
    void machineInfoIsTheContractJson() {
        String json = ((ReplyBody.Utf8) call(Op.MACHINE_INFO, new byte[0]).body()).text();
        assertTrue(json.startsWith("{\"machine\":\"q35\",\"memory\":[{\"kind\":\"ram\",\"name\":\"ram\",\"base\":\"0x0\",\"size\":\"0x4000000\"}"), json);
        assertTrue(json.contains("{\"kind\":\"host-reserved\",\"name\":\"host-page-pool\",\"base\":\"0x2000000\",\"size\":\"0x2000000\"}"), json);
        assertTrue(json.contains("\"pci\":[{\"bdf\":\"0000:00:00.0\",\"vendor\":\"0x8086\",\"device\":\"0x29c0\""), json);
        assertTrue(json.contains("\"iommus\":[{\"id\":\"dmar0\",\"kind\":\"intel-iommu\",\"base\":\"0xfed90000\",\"owner\":\"guest\""), json);
        assertTrue(json.contains("\"counters\":{\"sessions\":1,\"fds\":0,\"iommufd_objects\":0,\"pinned_pages\":0,\"dma_owner_claims\":0,\"queued_events\":0"), json);
    }

    @Test
    void machineResetResetsComponentsAndKeepsRam() {
        int[] resets = {0};
        fx.platform.machine().add("counter", new Lifecycle() {
            @Override
            public void reset() {
                resets[0]++;
            }
        });
        call(Op.MEM_WRITE, Bytes.le().u64(0x4000).u32(1).u8(0x77).array());
        int before = resets[0];
        call(Op.MACHINE_RESET, new byte[0]);
        assertEquals(before + 1, resets[0]);
        assertArrayEquals(new byte[] {0x77}, data(call(Op.MEM_READ, Bytes.le().u64(0x4000).u32(1).array())));
    }

    @Test
    void driverBindOfAnUnknownDriverIsEnodev() {
        assertEquals(Errno.ENODEV.number(), errno(call(Op.DRIVER_BIND, Bytes.le().utf8("0000:00:04.0 nosuch").array())));
    }

    @Test
    void driverBindOfABoundDeviceIsEbusy() {
        assertEquals(Errno.EBUSY.number(), errno(call(Op.DRIVER_BIND, Bytes.le().utf8("0000:00:03.0 vfio-pci").array())));
    }

    @Test
    void driverBindAndUnbindDelegateToTheDriverCore() {
        List<String> calls = new ArrayList<>();
        fx.platform.kernel().provide(DriverControl.class, new DriverControl() {
            @Override
            public void bind(String bdf, String driver) {
                calls.add("bind " + bdf + " " + driver);
            }

            @Override
            public void unbind(String bdf) {
                throw new ErrnoException(Errno.EBUSY, bdf + " has an open device fd");
            }
        });
        assertEquals(0, call(Op.DRIVER_BIND, Bytes.le().utf8("0000:00:03.0 vfio-pci").array()).result());
        assertEquals(List.of("bind 0000:00:03.0 vfio-pci"), calls);
        assertEquals(Errno.EBUSY.number(), errno(call(Op.DRIVER_UNBIND, Bytes.le().utf8("0000:00:03.0").array())));
    }

    @Test
    void driverBindNeedsBdfAndDriver() {
        assertEquals(Errno.EINVAL.number(), errno(call(Op.DRIVER_BIND, Bytes.le().utf8("0000:00:03.0").array())));
    }

    @Test
    void writesIntoAWindowThePolicyProtectsAreEacces() {
        fx.platform.kernel().provide(GuestAccessPolicy.class, (gpa, len) -> {
            if (gpa < 0xFED9_1000L && gpa + len > 0xFED9_0000L) {
                throw new ErrnoException(Errno.EACCES, "dmar0 is owned by the host");
            }
        });
        assertEquals(Errno.EACCES.number(), errno(call(Op.MEM_WRITE, Bytes.le().u64(0xFED9_0018L).u32(4).u32(0).array())));
        assertEquals(Errno.EACCES.number(), errno(call(Op.MEM_FILL, Bytes.le().u64(0xFED8_FFFCL).u64(8).u8(0).array())));
        Reply batch = call(Op.BATCH, Bytes.le().u32(1).u8(1).u8(4).u64(0xFED9_0018L).u64(1).array());
        assertEquals(-Errno.EACCES.number(), batch.result());
        assertEquals(0, call(Op.MEM_WRITE, Bytes.le().u64(0x1000).u32(4).u32(0).array()).result());
    }
}
