package dev.vplat.pci;

import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.sdk.BarSpec;
import dev.vplat.pci.sdk.CapabilitySpec;
import dev.vplat.pci.sdk.DeviceContext;
import dev.vplat.pci.sdk.FunctionSpec;
import dev.vplat.pci.sdk.PcieType;
import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.memory.AccessRules;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MsiTest {
    private Bench b;
    private PciFunction msiFn;
    private PciFunction msixFn;
    private DeviceContext msiDevice;
    private DeviceContext msixDevice;
    private int msiCap;
    private int msixCap;

    @BeforeEach
    void setUp() {
        b = new Bench();
        msiFn = b.plugSpec("msi", "08.0", c -> {
            msiDevice = c;
            return FunctionSpec.builder(0x1234, 1).capability(new CapabilitySpec.Msi(4, true, true, 0)).build();
        });
        msixFn = b.plugSpec("msix", "09.0", c -> {
            msixDevice = c;
            return FunctionSpec.builder(0x1234, 2)
                    .bar(0, BarSpec.memory32(8192, AccessRules.DWORD_QWORD_ALIGNED, BarTest.ECHO))
                    .pcie(PcieType.ENDPOINT, false)
                    .msix(8, 0, 0x1000, 0, 0x1800).build();
        });
        msiCap = msiFn.findCapability(PciConfig.CAP_ID_MSI);
        msixCap = msixFn.findCapability(PciConfig.CAP_ID_MSIX);
        b.cfgWrite(msiFn, 0x04, 2, 0x4);
        b.assignBar(msixFn, 0, 0xFE00_0000L);
    }

    private void enableMsi(int mme) {
        b.cfgWrite(msiFn, msiCap + 4, 4, 0xFEE0_1000L);
        b.cfgWrite(msiFn, msiCap + 8, 4, 0);
        b.cfgWrite(msiFn, msiCap + 12, 2, 0x4040);
        b.cfgWrite(msiFn, msiCap + 2, 2, 1 | (mme << 4));
    }

    @Test
    void msiCapabilityAdvertisesMultipleMessage64BitAndMasking() {
        assertEquals(0x0184L, b.cfgRead(msiFn, msiCap + 2, 2), "MMC=2 (4 vectors), 64-bit, per-vector mask");
    }

    @Test
    void msiVectorReplacesLowDataBitsWithMultipleMessages() {
        enableMsi(2);
        assertTrue(msiDevice.interrupts().notify(3));
        assertEquals(List.of(new MsiMessage(0xFEE0_1000L, 0x4043, msiFn.requesterId().value())), b.msis);
    }

    @Test
    void msiVectorBeyondEnabledCountIsNotSent() {
        enableMsi(0);
        assertFalse(msiDevice.interrupts().notify(1));
        assertTrue(b.msis.isEmpty());
    }

    @Test
    void msiDisabledSendsNothing() {
        assertFalse(msiDevice.interrupts().notify(0));
        assertTrue(b.msis.isEmpty());
    }

    @Test
    void maskedMsiVectorBecomesPendingAndIsSentOnUnmask() {
        enableMsi(2);
        b.cfgWrite(msiFn, msiCap + 0x10, 4, 0b0010);
        msiDevice.interrupts().notify(1);
        assertTrue(b.msis.isEmpty());
        assertEquals(0b0010L, b.cfgRead(msiFn, msiCap + 0x14, 4), "Pending Bits");
        b.cfgWrite(msiFn, msiCap + 0x10, 4, 0);
        assertEquals(1, b.msis.size());
        assertEquals(0x4041, b.msis.get(0).data());
        assertEquals(0L, b.cfgRead(msiFn, msiCap + 0x14, 4));
    }

    @Test
    void msiIsDroppedWhileBusMasteringIsDisabled() {
        enableMsi(0);
        b.cfgWrite(msiFn, 0x04, 2, 0);
        msiDevice.interrupts().notify(0);
        assertTrue(b.msis.isEmpty());
        assertTrue(b.traced("BUS_MASTER_DISABLED"));
    }

    private void programEntry(int vector, long address, int data, boolean masked) {
        long entry = 0xFE00_1000L + 16L * vector;
        b.machine.system().write(entry, 4, address);
        b.machine.system().write(entry + 4, 4, address >>> 32);
        b.machine.system().write(entry + 8, 4, data);
        b.machine.system().write(entry + 12, 4, masked ? 1 : 0);
    }

    @Test
    void msixTableEntriesResetMasked() {
        assertEquals(1L, b.machine.system().read(0xFE00_100CL, 4));
        assertEquals(0x0007L, b.cfgRead(msixFn, msixCap + 2, 2), "table size N-1");
        assertEquals(0x1000L, b.cfgRead(msixFn, msixCap + 4, 4), "table offset 0x1000 in BAR 0");
    }

    @Test
    void msixDeliversTheEntrysMessage() {
        programEntry(5, 0xFEE0_2000L, 0x55, false);
        b.cfgWrite(msixFn, msixCap + 2, 2, PciConfig.MSIX_FLAGS_ENABLE);
        assertTrue(msixDevice.interrupts().notify(5));
        assertEquals(List.of(new MsiMessage(0xFEE0_2000L, 0x55, msixFn.requesterId().value())), b.msis);
    }

    @Test
    void maskedMsixEntrySetsItsPbaBitAndFiresOnUnmask() {
        programEntry(2, 0xFEE0_3000L, 0x22, true);
        b.cfgWrite(msixFn, msixCap + 2, 2, PciConfig.MSIX_FLAGS_ENABLE);
        msixDevice.interrupts().notify(2);
        assertTrue(b.msis.isEmpty());
        assertEquals(0b100L, b.machine.system().read(0xFE00_1800L, 8));
        b.machine.system().write(0xFE00_1000L + 16 * 2 + 12, 4, 0);
        assertEquals(1, b.msis.size());
        assertEquals(0L, b.machine.system().read(0xFE00_1800L, 8));
    }

    @Test
    void msixFunctionMaskHoldsEveryVectorUntilCleared() {
        programEntry(0, 0xFEE0_0000L, 0x10, false);
        programEntry(1, 0xFEE0_0000L, 0x11, false);
        b.cfgWrite(msixFn, msixCap + 2, 2, PciConfig.MSIX_FLAGS_ENABLE | PciConfig.MSIX_FLAGS_MASKALL);
        msixDevice.interrupts().notify(0);
        msixDevice.interrupts().notify(1);
        assertTrue(b.msis.isEmpty());
        assertTrue(msixFn.messagePending(1));
        b.cfgWrite(msixFn, msixCap + 2, 2, PciConfig.MSIX_FLAGS_ENABLE);
        assertEquals(List.of(0x10, 0x11), b.msis.stream().map(MsiMessage::data).toList());
    }

    @Test
    void pbaIsReadOnly() {
        b.machine.system().write(0xFE00_1800L, 8, -1L);
        assertEquals(0L, b.machine.system().read(0xFE00_1800L, 8));
    }

    @Test
    void msixTakesPrecedenceOverMsiAndDisabledMsixSendsNothing() {
        assertFalse(msixDevice.interrupts().notify(0));
        assertFalse(msixDevice.interrupts().msixEnabled());
    }
}
