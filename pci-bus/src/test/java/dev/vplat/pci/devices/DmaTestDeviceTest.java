package dev.vplat.pci.devices;

import dev.vplat.pci.Bench;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.dma.DmaDirection;
import dev.vplat.pci.dma.DmaScope;
import dev.vplat.pci.dma.Translation;
import dev.vplat.platform.memory.AddressSpace;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

import static dev.vplat.pci.devices.DmaTestDevice.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DmaTestDeviceTest {
    static final long BAR0 = 0xFE00_0000L;
    static final long BAR2 = 0xFE10_0000L;
    private Bench b;
    private PciFunction dt;
    private AddressSpace mem;

    @BeforeEach
    void setUp() {
        setUp("dmatest,addr=04.0");
    }

    private void setUp(String options) {
        b = new Bench();
        dt = b.plug("dt", options);
        b.realize();
        b.assignBar(dt, 0, BAR0);
        b.assignBar(dt, 2, BAR2);
        mem = b.machine.system();
    }

    private void reg(int off, long v) {
        mem.write(BAR0 + off, off == REG_SRC || off == REG_DST || off == REG_VALUE ? 8 : 4, v);
    }

    private long reg(int off) {
        return mem.read(BAR0 + off, 4);
    }

    private void run(int op, long src, long dst, long len) {
        reg(REG_OP, op);
        reg(REG_SRC, src);
        reg(REG_DST, dst);
        reg(REG_LEN, len);
        reg(REG_DOORBELL, 1);
    }

    @Test
    void identifiesAsPcieEndpointWithMsixAtsPasidAndFlr() {
        assertEquals(0xDA7A_1234L, b.cfgRead(dt, 0, 4));
        assertEquals(ID_VALUE & 0xFFFF_FFFFL, reg(REG_ID));
        int exp = dt.findCapability(PciConfig.CAP_ID_EXP);
        assertEquals(PciConfig.EXP_DEVCAP_FLR, b.cfgRead(dt, exp + 4, 4) & PciConfig.EXP_DEVCAP_FLR);
        assertEquals(3L, b.cfgRead(dt, dt.findCapability(PciConfig.CAP_ID_MSIX) + 2, 2), "4 vectors");
        assertTrue(dt.findExtendedCapability(PciConfig.EXT_CAP_ID_ATS) >= 0x100);
        assertTrue(dt.findExtendedCapability(PciConfig.EXT_CAP_ID_PASID) >= 0x100);
    }

    @Test
    void copyCompletesWithDoneAndByteCount() {
        mem.write(0x10_0000, 8, 0x0102_0304_0506_0708L);
        run(OP_COPY, 0x10_0000, 0x20_0000, 8);
        assertEquals(RESULT_DONE, reg(REG_RESULT));
        assertEquals(8L, reg(REG_BYTES));
        assertEquals(0x0102_0304_0506_0708L, mem.read(0x20_0000, 8));
        assertEquals(1L, reg(REG_COMPLETIONS));
    }

    @Test
    void fillWritesThePatternAcrossPages() {
        reg(REG_PATTERN, 0xA5A5_5A5AL);
        run(OP_FILL, 0, 0x30_0FF0, 0x20);
        assertEquals(0xA5A5_5A5AL, mem.read(0x30_1008, 4));
        assertEquals(RESULT_DONE, reg(REG_RESULT));
    }

    @Test
    void checksumIsCrc32OfTheSource() {
        byte[] data = "vplat dmatest".getBytes();
        mem.write(0x40_0000, data, 0, data.length);
        run(OP_CHECKSUM, 0x40_0000, 0, data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        assertEquals(crc.getValue(), mem.read(BAR0 + REG_CHECKSUM, 8));
    }

    @Test
    void writeValueStoresLenBytesOfValue() {
        reg(REG_VALUE, 0x1122_3344_5566_7788L);
        run(OP_WRITE_VALUE, 0, 0x50_0000, 2);
        assertEquals(0x7788L, mem.read(0x50_0000, 4));
    }

    @Test
    void translationFaultIsReportedWithTheFaultingIova() {
        b.host.dmaRouting().claim("iommu", DmaScope.includeAll(), (rid, p, iova, d) ->
                iova < 0x10_1000 ? Translation.identity(iova) : Translation.translationFault());
        run(OP_COPY, 0x10_0F00, 0x20_0000, 0x200);
        assertEquals(RESULT_TRANSLATION_FAULT, reg(REG_RESULT));
        assertEquals(0x10_1000L, mem.read(BAR0 + REG_FAULT_ADDR, 8));
        assertEquals(0x100L, reg(REG_BYTES));
    }

    @Test
    void permissionFaultOnWriteTouchOfAReadOnlyMapping() {
        b.host.dmaRouting().claim("iommu", DmaScope.includeAll(), (rid, p, iova, d) ->
                d == DmaDirection.WRITE ? Translation.permissionFault() : Translation.identity(iova));
        reg(REG_ATTR, ATTR_READ);
        run(OP_TOUCH, 0, 0x60_0000, 64);
        assertEquals(RESULT_DONE, reg(REG_RESULT), "read-only touch succeeds");
        reg(REG_ATTR, ATTR_READ | ATTR_WRITE);
        reg(REG_DOORBELL, 1);
        assertEquals(RESULT_PERMISSION_FAULT, reg(REG_RESULT));
        assertEquals(0x60_0000L, mem.read(BAR0 + REG_FAULT_ADDR, 8));
    }

    @Test
    void busMasterDisabledIsReported() {
        b.cfgWrite(dt, 0x04, 2, 0x2);
        run(OP_COPY, 0x10_0000, 0x20_0000, 8);
        assertEquals(RESULT_BUS_MASTER_DISABLED, reg(REG_RESULT));
    }

    @Test
    void decodeErrorForAddressesWithoutMemory() {
        run(OP_FILL, 0, 0x7000_0000L, 8);
        assertEquals(RESULT_DECODE_ERROR, reg(REG_RESULT));
    }

    @Test
    void pasidIsPassedOnOnlyWhenThePasidCapabilityIsEnabled() {
        List<Integer> seen = new ArrayList<>();
        b.host.dmaRouting().claim("iommu", DmaScope.includeAll(), (rid, p, iova, d) -> {
            seen.add(p);
            return Translation.identity(iova);
        });
        reg(REG_PASID, PASID_ENABLE | 42);
        run(OP_FILL, 0, 0x20_0000, 4);
        int pasidCap = dt.findExtendedCapability(PciConfig.EXT_CAP_ID_PASID);
        b.cfgWrite(dt, pasidCap + PciConfig.PASID_CTRL, 2, PciConfig.PASID_CTRL_ENABLE);
        reg(REG_DOORBELL, 1);
        assertEquals(List.of(-1, 42), seen);
    }

    @Test
    void completionSignalsMsixVector0() {
        int cap = dt.findCapability(PciConfig.CAP_ID_MSIX);
        mem.write(BAR2, 4, 0xFEE0_0000L);
        mem.write(BAR2 + 8, 4, 0x61);
        mem.write(BAR2 + 12, 4, 0);
        b.cfgWrite(dt, cap + 2, 2, PciConfig.MSIX_FLAGS_ENABLE);
        run(OP_FILL, 0, 0x20_0000, 4);
        assertEquals(1, b.msis.size());
        assertEquals(0x61, b.msis.get(0).data());
    }

    @Test
    void completionWithoutMsixAssertsIntxUntilIrqStatusIsCleared() {
        run(OP_FILL, 0, 0x20_0000, 4);
        int rid = dt.requesterId().value();
        assertTrue(b.machine.interrupts().intxLevel(rid, 1));
        reg(REG_IRQ_STATUS, 1);
        assertTrue(!b.machine.interrupts().intxLevel(rid, 1));
    }

    @Test
    void delayedCompletionIsBusyUntilTheVirtualDelayElapses() {
        setUp("dmatest,addr=04.0,delay_ns=5000");
        run(OP_FILL, 0, 0x20_0000, 4);
        assertEquals(RESULT_BUSY, reg(REG_RESULT));
        b.machine.clock().step(5000);
        assertEquals(RESULT_DONE, reg(REG_RESULT));
    }

    @Test
    void zeroLengthIsInvalid() {
        run(OP_FILL, 0, 0x20_0000, 0);
        assertEquals(RESULT_INVALID, reg(REG_RESULT));
    }

    @Test
    void functionLevelResetClearsBarsCommandAndDeviceRegisters() {
        run(OP_FILL, 0, 0x20_0000, 4);
        int exp = dt.findCapability(PciConfig.CAP_ID_EXP);
        b.cfgWrite(dt, exp + PciConfig.EXP_DEVCTL, 2, PciConfig.EXP_DEVCTL_BCR_FLR);
        assertEquals(0L, b.cfgRead(dt, 0x04, 2));
        assertEquals(0x4L, b.cfgRead(dt, 0x10, 4), "BAR back to its type bits");
        assertEquals(0L, b.cfgRead(dt, exp + PciConfig.EXP_DEVCTL, 2) & PciConfig.EXP_DEVCTL_BCR_FLR, "initiate-FLR reads 0");
        b.assignBar(dt, 0, BAR0);
        assertEquals(RESULT_IDLE, reg(REG_RESULT));
        assertEquals(0L, reg(REG_COMPLETIONS));
    }
}
