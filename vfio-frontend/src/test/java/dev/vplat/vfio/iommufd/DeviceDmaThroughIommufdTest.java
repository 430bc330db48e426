package dev.vplat.vfio.iommufd;

import dev.vplat.iommu.mock.MockIommu;
import dev.vplat.iommu.vtd.VtdConfig;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.dma.DmaDirection;
import dev.vplat.vfio.driver.HostStack;
import dev.vplat.vfio.hostiommu.VtdFault;
import dev.vplat.vfio.iommu.DomainType;
import dev.vplat.vfio.testing.TestMachine;
import dev.vplat.vfio.uapi.IommufdIoctl;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwptAlloc;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwptGetDirtyBitmap;
import dev.vplat.vfio.uapi.IommufdStructs.IommuHwptSetDirtyTracking;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static dev.vplat.pci.devices.DmaTestDevice.*;
import static dev.vplat.vfio.iommufd.IommufdFixture.FIXED_RW;
import static dev.vplat.vfio.iommufd.IommufdFixture.PAGE;
import static dev.vplat.vfio.iommufd.IommufdFixture.RW;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * End to end: a user-space program drives a real PCI device's DMA into its own memory the way a
 * VFIO user does on Linux. The device (the dmatest engine, programmed through its BAR) is rebound
 * to vfio-pci, bound to an iommufd context through the IOMMU core, the program maps its memory into
 * an IOAS and attaches; the host IOMMU driver writes the hardware's tables, and the device's DMA
 * then goes through the register-level IOMMU model into the process's pages.
 */
class DeviceDmaThroughIommufdTest {
    private static final long BAR0 = 0xFE00_0000L;
    private static final int PATTERN = 0xA5C3_5A3C;

    private final TestMachine m = new TestMachine();
    private PciFunction dt;
    private HostStack stack;
    private IommufdFixture io;
    private IommufdDevice idev;

    /** Boots the host stack, rebinds the dmatest to vfio-pci and binds it to a fresh iommufd. */
    private void bootAndBind() {
        m.realize();
        stack = HostStack.boot(m.kernel, m.pci);
        io = IommufdFixture.on(m.kernel);
        String bdf = dt.requesterId().bdf();
        stack.drivers().unbind(bdf);
        stack.drivers().bind(bdf + " vfio-pci");
        idev = io.ctx().bindDevice(new IommuCoreDeviceOps(stack.iommu().device(dt.requesterId())));
    }

    private void bootVtd() {
        m.vtd("dmar0", VtdConfig.DEFAULT_BASE, "host", "all", Map.of());
        dt = m.plugDmaTest("dt", "03.0", BAR0);
        bootAndBind();
    }

    private void reg(int offset, long value) {
        int size = offset == REG_SRC || offset == REG_DST || offset == REG_VALUE ? 8 : 4;
        m.machine.system().write(BAR0 + offset, size, value);
    }

    private long reg(int offset) {
        return m.machine.system().read(BAR0 + offset, offset == REG_FAULT_ADDR ? 8 : 4);
    }

    /** Starts one dmatest operation (completion interrupt off) and returns its RESULT. */
    private long dma(int op, long src, long dst, long length) {
        reg(REG_CONTROL, 0);
        reg(REG_OP, op);
        reg(REG_SRC, src);
        reg(REG_DST, dst);
        reg(REG_LEN, length);
        reg(REG_PATTERN, PATTERN);
        reg(REG_DOORBELL, 1);
        return reg(REG_RESULT);
    }

    private static byte[] pattern(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (PATTERN >>> (8 * (i & 3)));
        }
        return b;
    }

    private byte[] user(long uva, int length) {
        return io.proc.memory().read(uva, length);
    }

    private long ram64(long gpa) {
        return m.machine.system().readRam(gpa, 8);
    }

    @Test
    void deviceDmaLandsInTheUserPagesThroughVtdAndFaultsOnceUnmapped() {
        bootVtd();
        // IOVA 1 MiB is ordinary RAM: if the IOMMU passed the DMA through, it would land there.
        long iova = 0x10_0000;
        long uva = io.proc.memory().mmap(2 * PAGE, 3, 0);
        int ioas = io.ioasAlloc();
        io.map(ioas, FIXED_RW, uva, 2 * PAGE, iova);
        int hwpt = idev.attach(ioas);
        assertSame(io.ctx().get(hwpt, HwPagetable.class).domain(), stack.vtdDriver("dmar0").attachedDomain(dt.requesterId()),
                "the device's context entry points at the HWPT's second-level table");

        assertEquals(RESULT_DONE, dma(OP_FILL, 0, iova, 2 * PAGE));
        assertEquals(2 * PAGE, reg(REG_BYTES));
        assertArrayEquals(pattern((int) (2 * PAGE)), user(uva, (int) (2 * PAGE)), "both user pages hold what the device wrote");
        assertEquals(0, ram64(iova), "nothing went to the IOVA taken as a physical address");

        assertEquals(2 * PAGE, io.unmap(ioas, iova, 2 * PAGE));
        reg(REG_VALUE, 0x1122_3344_5566_7788L);
        // Legacy-mode VT-d cannot tell a cleared leaf from a read-only one: a write to either is
        // fault reason 5 (write denied, VT-d A.18), which the device sees as a permission fault.
        assertEquals(RESULT_PERMISSION_FAULT, dma(OP_WRITE_VALUE, 0, iova + PAGE, 8));
        assertEquals(iova + PAGE, reg(REG_FAULT_ADDR));
        assertEquals(0, reg(REG_BYTES));
        assertArrayEquals(pattern(8), user(uva + PAGE, 8), "the user page did not change");
        List<VtdFault> faults = stack.vtdDriver("dmar0").faults();
        VtdFault last = faults.get(faults.size() - 1);
        assertEquals(dt.requesterId(), last.source());
        assertEquals(iova + PAGE, last.address());
        assertEquals(0x5, last.reason(), "write denied (VT-d A.18)");
    }

    @Test
    void deviceCopiesBetweenUserPagesReadingAndWritingThroughTheTables() {
        bootVtd();
        long iova = 0x4000_0000L;
        long uva = io.proc.memory().mmap(2 * PAGE, 3, 0);
        byte[] message = "hello from user space, via VT-d".getBytes(StandardCharsets.US_ASCII);
        io.proc.memory().write(uva + 0x100, message);
        int ioas = io.ioasAlloc();
        io.map(ioas, FIXED_RW, uva, 2 * PAGE, iova);
        idev.attach(ioas);
        assertEquals(RESULT_DONE, dma(OP_COPY, iova + 0x100, iova + PAGE + 0x200, message.length));
        assertArrayEquals(message, user(uva + PAGE + 0x200, message.length));
    }

    @Test
    void boundDeviceIsBlockedUntilAttached() {
        bootVtd();
        assertEquals(RESULT_TRANSLATION_FAULT, dma(OP_FILL, 0, 0x10_0000, 64));
        assertEquals(0, ram64(0x10_0000));
        List<VtdFault> faults = stack.vtdDriver("dmar0").faults();
        assertEquals(0x2, faults.get(faults.size() - 1).reason(), "context entry not present: the blocking domain");
    }

    @Test
    void readOnlyMappingLetsTheDeviceReadButNotWrite() {
        bootVtd();
        long iova = 0x4000_0000L;
        long uva = io.proc.memory().mmap(PAGE, 3, 0);
        io.proc.memory().write(uva, "read me".getBytes(StandardCharsets.US_ASCII));
        int ioas = io.ioasAlloc();
        io.map(ioas, FIXED_RW & ~IommufdIoctl.IOAS_MAP_WRITEABLE, uva, PAGE, iova);
        idev.attach(ioas);
        assertEquals(RESULT_DONE, dma(OP_CHECKSUM, iova, 0, 7));
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update("read me".getBytes(StandardCharsets.US_ASCII));
        assertEquals(crc.getValue(), m.machine.system().read(BAR0 + REG_CHECKSUM, 8));
        assertEquals(RESULT_PERMISSION_FAULT, dma(OP_FILL, 0, iova, 8), "write denied (VT-d fault reason 5)");
        assertArrayEquals("read me\0".getBytes(StandardCharsets.US_ASCII), user(uva, 8));
    }

    @Test
    void unbindGivesTheDeviceBackToPassThroughAndDropsEveryPin() {
        bootVtd();
        long uva = io.proc.memory().mmap(PAGE, 3, 0);
        int ioas = io.ioasAlloc();
        io.map(ioas, FIXED_RW, uva, PAGE, 0x4000_0000L);
        idev.attach(ioas);
        assertEquals(1, io.counter("pinned_pages"));
        idev.unbind();
        assertEquals(0, io.counter("pinned_pages"));
        assertEquals(0, io.counter("dma_owner_claims"));
        assertEquals(DomainType.IDENTITY, stack.iommu().device(dt.requesterId()).group().domain().type());
        assertEquals(RESULT_DONE, dma(OP_FILL, 0, 0x10_0000, 8));
        assertEquals(PATTERN & 0xFFFF_FFFFL, ram64(0x10_0000) & 0xFFFF_FFFFL, "untranslated again");
    }

    @Test
    void deviceBehindAMockUnitWritesUserPagesAndTheWrittenPagesShowInTheDirtyBitmap() {
        m.mockIommu("mock0", "00:03.0");
        dt = m.plugDmaTest("dt", "03.0", BAR0);
        bootAndBind();
        long iova = MockIommu.APERTURE_START;
        long uva = io.proc.memory().mmap(4 * PAGE, 3, 0);
        int ioas = io.ioasAlloc();
        io.map(ioas, FIXED_RW, uva, 4 * PAGE, iova);
        int hwpt = io.call(IommufdIoctl.IOMMU_HWPT_ALLOC, new IommuHwptAlloc(48, IommufdIoctl.HWPT_ALLOC_DIRTY_TRACKING,
                idev.id(), ioas, 0, 0, 0, 0, 0, 0, 0)).outHwptId();
        assertEquals(hwpt, idev.attach(hwpt));
        io.call(IommufdIoctl.IOMMU_HWPT_SET_DIRTY_TRACKING, new IommuHwptSetDirtyTracking(16, 1, hwpt, 0));

        assertEquals(RESULT_DONE, dma(OP_FILL, 0, iova + 2 * PAGE + 2048, 2048));
        assertArrayEquals(pattern(2048), user(uva + 2 * PAGE + 2048, 2048));
        assertArrayEquals(new byte[2048], user(uva + 2 * PAGE, 2048), "the first half of the page was not written");

        long bitmap = io.buffer(PAGE);
        io.proc.memory().write(bitmap, new byte[8]);
        io.call(IommufdIoctl.IOMMU_HWPT_GET_DIRTY_BITMAP,
                new IommuHwptGetDirtyBitmap(48, hwpt, 0, 0, iova, 4 * PAGE, 2048, bitmap));
        assertEquals((byte) 0b0010_0000, io.proc.memory().read(bitmap, 1)[0], "mock page 5 of 8, the one written");

        assertEquals(4 * PAGE, io.unmap(ioas, iova, 4 * PAGE));
        assertEquals(RESULT_TRANSLATION_FAULT, dma(OP_FILL, 0, iova, 8));
        assertEquals(List.of(new MockIommu.Fault(dt.requesterId(), iova, DmaDirection.WRITE, false)),
                ((MockIommu) m.machine.component("mock0")).faults());
    }

    @Test
    void theIovaRangesOfAnIoasFollowTheAttachedUnit() {
        m.mockIommu("mock0", "00:03.0");
        dt = m.plugDmaTest("dt", "03.0", BAR0);
        bootAndBind();
        int ioas = io.ioasAlloc();
        idev.attach(ioas);
        List<long[]> ranges = io.ctx().ioas(ioas).iopt().iovaRanges().stream()
                .map(r -> new long[] {r.start(), r.last()}).toList();
        assertEquals(1, ranges.size());
        assertArrayEquals(new long[] {MockIommu.APERTURE_START, MockIommu.APERTURE_LAST}, ranges.get(0));
        long uva = io.proc.memory().mmap(PAGE, 3, 0);
        assertEquals(MockIommu.APERTURE_START, io.map(ioas, RW, uva, PAGE, 0), "automatic IOVA inside the aperture");
    }
}
