package dev.vplat.pci.devices;

import dev.vplat.pci.Bench;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.dma.DmaScope;
import dev.vplat.pci.dma.Translation;
import dev.vplat.platform.device.ConfigException;
import dev.vplat.platform.memory.AddressSpace;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Register behaviour of hw/misc/edu.c, values from the QEMU fact sheet (qemu.md §3). */
class EduDeviceTest {
    static final long BAR = 0xFE00_0000L;
    static final long MS = 1_000_000L;
    private Bench b;
    private PciFunction edu;
    private AddressSpace mem;

    @BeforeEach
    void setUp() {
        setUp("edu,addr=03.0");
    }

    private void setUp(String options) {
        b = new Bench();
        edu = b.plug("edu", options);
        b.realize();
        b.assignBar(edu, 0, BAR);
        mem = b.machine.system();
    }

    private long r(int off) {
        return mem.read(BAR + off, 4);
    }

    private void w(int off, long v) {
        mem.write(BAR + off, 4, v);
    }

    private void startDma(long src, long dst, long count, long cmd) {
        mem.write(BAR + 0x80, 8, src);
        mem.write(BAR + 0x88, 8, dst);
        mem.write(BAR + 0x90, 8, count);
        w(0x98, cmd);
    }

    @Test
    void identityMatchesQemu() {
        assertEquals(0x11E8_1234L, b.cfgRead(edu, 0x00, 4));
        assertEquals(0x00FF_0010L, b.cfgRead(edu, 0x08, 4));
        assertEquals(0x1100_1AF4L, b.cfgRead(edu, 0x2C, 4));
        assertEquals(0x01L, b.cfgRead(edu, 0x3D, 1), "INTA");
        assertEquals(0x0080_0005L, b.cfgRead(edu, 0x40, 4), "MSI at 0x40, 64-bit, 1 vector");
        assertEquals(0x40L, b.cfgRead(edu, 0x34, 1));
    }

    @Test
    void bar0SizesToOneMegabyte() {
        b.cfgWrite(edu, 0x10, 4, 0xFFFF_FFFFL);
        assertEquals(0xFFF0_0000L, b.cfgRead(edu, 0x10, 4));
    }

    @Test
    void idRegisterReads010000ed() {
        assertEquals(0x0100_00EDL, r(0x00));
    }

    @Test
    void livenessStoresTheComplement() {
        w(0x04, 0x1234_5678L);
        assertEquals(0xEDCB_A987L, r(0x04));
    }

    @Test
    void factorialCompletesImmediatelyByDefault() {
        w(0x08, 10);
        assertEquals(0x375F00L, r(0x08));
        assertEquals(0L, r(0x20) & 1);
        w(0x08, 13);
        assertEquals(0x7328_CC00L, r(0x08));
        w(0x08, 0);
        assertEquals(1L, r(0x08));
        w(0x08, 0xFFFF_FFFFL);
        assertEquals(0L, r(0x08), "N >= 34: N! mod 2^32 = 0");
    }

    @Test
    void factorialWithDelayIsBusyAndIgnoresWritesUntilDone() {
        setUp("edu,addr=03.0,fact_delay_ns=1000");
        w(0x08, 5);
        assertEquals(1L, r(0x20) & 1, "computing");
        w(0x08, 7);
        assertEquals(5L, r(0x08), "write ignored while computing");
        b.machine.clock().step(1000);
        assertEquals(120L, r(0x08));
        assertEquals(0L, r(0x20) & 1);
    }

    @Test
    void factorialRaisesIrq1WhenStatusBit7IsSet() {
        w(0x20, 0xFFFF_FFFFL);
        assertEquals(0x80L, r(0x20), "only bit 7 is writable");
        w(0x08, 3);
        assertEquals(0x1L, r(0x24));
        assertTrue(b.machine.interrupts().intxLevel(edu.requesterId().value(), 1));
    }

    @Test
    void raiseAndAckDriveIntxLevelUntilStatusIsZero() {
        int rid = edu.requesterId().value();
        w(0x60, 1);
        assertTrue(b.machine.interrupts().intxLevel(rid, 1));
        w(0x60, 2);
        w(0x64, 1);
        assertTrue(b.machine.interrupts().intxLevel(rid, 1), "status 2 still pending");
        assertEquals(2L, r(0x24));
        w(0x64, 2);
        assertFalse(b.machine.interrupts().intxLevel(rid, 1));
    }

    @Test
    void raiseSendsOneMsiPerWriteWhenMsiIsEnabled() {
        b.cfgWrite(edu, 0x44, 4, 0xFEE0_0000L);
        b.cfgWrite(edu, 0x48, 4, 0);
        b.cfgWrite(edu, 0x4C, 2, 0x41);
        b.cfgWrite(edu, 0x42, 2, 1);
        w(0x60, 1);
        w(0x60, 2);
        assertEquals(2, b.msis.size());
        assertEquals(0x41, b.msis.get(0).data());
        assertEquals(edu.requesterId().value(), b.msis.get(0).requesterId());
        w(0x64, 3);
        assertFalse(b.machine.interrupts().intxLevel(edu.requesterId().value(), 1));
    }

    @Test
    void dmaFromRamToBufferCompletesAfter100msOfVirtualTime() {
        mem.write(0x10_0000, 8, 0x1122_3344_5566_7788L);
        startDma(0x10_0000, 0x40000, 8, 1);
        assertEquals(1L, r(0x98), "busy");
        b.machine.clock().step(100 * MS - 1);
        assertEquals(1L, r(0x98), "still busy 1 ns before the deadline");
        b.machine.clock().step(1);
        assertEquals(0L, r(0x98));
        startDma(0x40000, 0x20_0000, 8, 3);
        b.machine.clock().step(100 * MS);
        assertEquals(0x1122_3344_5566_7788L, mem.read(0x20_0000, 8), "buffer -> RAM copy of what was read");
        assertEquals(2L, r(0x98), "busy bit clears, direction bit stays");
    }

    @Test
    void dmaCompletionRaisesIrq0x100WhenRequested() {
        startDma(0x10_0000, 0x40000, 16, 5);
        b.machine.clock().step(100 * MS);
        assertEquals(0x100L, r(0x24));
        assertEquals(4L, r(0x98));
    }

    @Test
    void dmaDeadlineIsOnTheMillisecondGrid() {
        b.machine.clock().step(MS / 2);
        startDma(0x10_0000, 0x40000, 4, 1);
        b.machine.clock().step(100 * MS - MS / 2);
        assertEquals(0L, r(0x98), "armed at floor(now in ms) + 100 ms");
    }

    @Test
    void dmaRegistersAreFrozenWhileBusy() {
        startDma(0x10_0000, 0x40000, 0x10, 1);
        mem.write(BAR + 0x90, 8, 99);
        mem.write(BAR + 0x80, 8, 0x5000);
        w(0x98, 7);
        assertEquals(0x10L, mem.read(BAR + 0x90, 8));
        assertEquals(0x10_0000L, mem.read(BAR + 0x80, 8));
        assertEquals(1L, r(0x98));
    }

    @Test
    void commandWriteWithoutStartBitIsIgnored() {
        w(0x98, 6);
        assertEquals(0L, r(0x98));
    }

    @Test
    void ramSideAddressIsMaskedWithDmaMask() {
        mem.write(0x20_0000, 4, 0xCAFE_F00DL);
        startDma(0x1020_0000L, 0x40000, 4, 1);
        b.machine.clock().step(100 * MS);
        startDma(0x40000, 0x30_0000, 4, 3);
        b.machine.clock().step(100 * MS);
        assertEquals(0xCAFE_F00DL, mem.read(0x30_0000, 4), "0x10200000 & 0x0FFFFFFF = 0x00200000");
        assertTrue(b.traced("clamping DMA"));
    }

    @Test
    void dmaMaskPropertyWidensTheMask() {
        setUp("edu,addr=03.0,dma_mask=0xffffffff");
        mem.write(0x0020_0000, 4, 0xAAAAL);
        startDma(0x0020_0000, 0x40000, 4, 1);
        b.machine.clock().step(100 * MS);
        assertFalse(b.traced("clamping DMA"));
    }

    @Test
    void outOfBufferDmaIsRefusedLoggedAndStillCompletes() {
        mem.write(0x10_0000, 4, 0x1234L);
        startDma(0x10_0000, 0x40FFC, 8, 5);
        b.machine.clock().step(100 * MS);
        assertEquals(4L, r(0x98));
        assertEquals(0x100L, r(0x24));
        assertTrue(b.traced("out of bounds"));
    }

    @Test
    void exactFullBufferTransferIsLegal() {
        startDma(0x10_0000, 0x40000, 4096, 1);
        b.machine.clock().step(100 * MS);
        assertFalse(b.traced("out of bounds"));
    }

    @Test
    void dmaThroughABlockingIommuReadsZerosAndStillCompletes() {
        mem.write(0x10_0000, 4, 0x1234L);
        b.host.dmaRouting().claim("iommu", DmaScope.includeAll(), (rid, p, iova, d) -> Translation.translationFault());
        startDma(0x10_0000, 0x40000, 4, 5);
        b.machine.clock().step(100 * MS);
        assertEquals(0x100L, r(0x24));
        assertTrue(b.traced("edu does not see DMA errors"));
    }

    @Test
    void offsetsBelow0x80NeedDwordAccesses() {
        assertEquals(-1L, mem.read(BAR, 8), "readq 0x00 -> all-ones");
        mem.write(BAR + 0x04, 8, 0x1111_1111_1111_1111L);
        w(0x04, 0);
        assertEquals(0xFFFF_FFFFL, r(0x04), "8-byte write ignored; the dword write took effect");
    }

    @Test
    void subDwordAccessesAreRejectedAndReadZero() {
        assertEquals(0L, mem.read(BAR, 2));
        assertEquals(0L, mem.read(BAR + 1, 1));
    }

    @Test
    void dmaRegistersAcceptDwordAndQwordAccessesAndHalvesAreUnknown() {
        mem.write(BAR + 0x80, 8, 0x1_2345_6789L);
        assertEquals(0x2345_6789L, r(0x80), "dword read of a 64-bit register returns the low half");
        assertEquals(0xFFFF_FFFFL, r(0x84), "0x84 is not a register");
        w(0x84, 5);
        assertEquals(0x1_2345_6789L, mem.read(BAR + 0x80, 8));
        w(0x80, 0xABCD);
        assertEquals(0xABCDL, mem.read(BAR + 0x80, 8), "dword write zero-extends");
    }

    @Test
    void unknownOffsetsReadAllOnes() {
        assertEquals(0xFFFF_FFFFL, r(0x100));
        assertEquals(0xFFFF_FFFFL, r(0x0C));
    }

    @Test
    void badDmaMaskTextIsAConfigError() {
        assertThrows(ConfigException.class, () -> new Bench().plug("e", "edu,dma_mask=banana"));
    }
}
