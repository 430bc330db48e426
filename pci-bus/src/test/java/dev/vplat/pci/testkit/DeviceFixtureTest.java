package dev.vplat.pci.testkit;

import dev.vplat.pci.RequesterId;
import dev.vplat.pci.devices.DmaTestDevice;
import dev.vplat.pci.dma.DmaDirection;
import dev.vplat.pci.sdk.BarSpec;
import dev.vplat.pci.sdk.DeviceContext;
import dev.vplat.pci.sdk.FunctionSpec;
import dev.vplat.pci.sdk.PciDevice;
import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.memory.MmioOps;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeviceFixtureTest {
    private static final long SRC = 0x10_0000;
    private static final long DST = 0x20_0000;

    private static void copy(DeviceFixture f, long src, long dst, int length) {
        f.mmioWrite(0, DmaTestDevice.REG_SRC, 8, src);
        f.mmioWrite(0, DmaTestDevice.REG_DST, 8, dst);
        f.mmioWrite(0, DmaTestDevice.REG_LEN, 4, length);
        f.mmioWrite(0, DmaTestDevice.REG_OP, 4, DmaTestDevice.OP_COPY);
        f.mmioWrite(0, DmaTestDevice.REG_DOORBELL, 4, 1);
    }

    @Test
    void fakeDriverRunsADmaCopyAndSeesMsixVectorZero() {
        try (DeviceFixture f = DeviceFixture.builder(DmaTestDevice.type(), "dmatest").build()) {
            f.assignBars();
            f.enableMsix();
            f.writeBytes(SRC, new byte[] {1, 2, 3, 4, 5});
            copy(f, SRC, DST, 5);
            assertEquals(DmaTestDevice.RESULT_DONE, f.mmioRead(0, DmaTestDevice.REG_RESULT, 4));
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, f.readBytes(DST, 5));
            assertEquals(List.of(0), f.msiData());
            assertEquals(DeviceFixture.MSI_ADDRESS, f.msis().get(0).address());
        }
    }

    @Test
    void assignBarsAlignsEachMemoryBarAndEnablesDecoding() {
        try (DeviceFixture f = DeviceFixture.builder(DmaTestDevice.type(), "dmatest").build()) {
            f.assignBars();
            assertEquals(DeviceFixture.MMIO_BASE, f.bar(0).address());
            assertEquals(DeviceFixture.MMIO_BASE + 0x1000, f.bar(2).address());
            assertTrue(f.bar(0).decoding());
            assertEquals(DmaTestDevice.ID_VALUE, (int) f.mmioRead(0, DmaTestDevice.REG_ID, 4));
        }
    }

    @Test
    void mmioBeforeAssignmentIsRefusedWithAHint() {
        try (DeviceFixture f = DeviceFixture.builder(DmaTestDevice.type(), "dmatest").build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.mmioRead(0, 0, 4));
            assertTrue(e.getMessage().contains("assign"), e.getMessage());
        }
    }

    @Test
    void mappedIommuTranslatesMappedPagesAndFaultsTheRest() {
        FakeIommu iommu = FakeIommu.mapped().map(0x4000_0000L, SRC, 0x1000, true, false);
        try (DeviceFixture f = DeviceFixture.builder(DmaTestDevice.type(), "dmatest").iommu(iommu).build()) {
            f.assignBars();
            f.writeBytes(SRC, new byte[] {9, 8, 7});
            copy(f, 0x4000_0000L, 0x5000_0000L, 3);
            assertEquals(DmaTestDevice.RESULT_TRANSLATION_FAULT, f.mmioRead(0, DmaTestDevice.REG_RESULT, 4));
            assertEquals(0x5000_0000L, f.mmioRead(0, DmaTestDevice.REG_FAULT_ADDR, 8));
            assertEquals(1, iommu.faults());
        }
    }

    @Test
    void writeToAReadOnlyMappingIsAPermissionFault() {
        FakeIommu iommu = FakeIommu.mapped().map(0x4000_0000L, SRC, 0x1000, true, false)
                .map(0x6000_0000L, DST, 0x1000, true, false);
        try (DeviceFixture f = DeviceFixture.builder(DmaTestDevice.type(), "dmatest").iommu(iommu).build()) {
            f.assignBars();
            copy(f, 0x4000_0000L, 0x6000_0000L, 3);
            assertEquals(DmaTestDevice.RESULT_PERMISSION_FAULT, f.mmioRead(0, DmaTestDevice.REG_RESULT, 4));
        }
    }

    @Test
    void identityIommuRecordsTheRequesterIdAndDirectionOfEveryRequest() {
        FakeIommu iommu = FakeIommu.identity();
        try (DeviceFixture f = DeviceFixture.builder(DmaTestDevice.type(), "dmatest,addr=05.0").iommu(iommu).build()) {
            f.assignBars();
            f.writeBytes(SRC, new byte[] {42});
            copy(f, SRC, DST, 1);
            assertEquals(42, f.readBytes(DST, 1)[0]);
            RequesterId rid = RequesterId.of(0, 5, 0);
            assertEquals(List.of(new FakeIommu.Request(rid, FakeIommu.NO_PASID, SRC, DmaDirection.READ),
                    new FakeIommu.Request(rid, FakeIommu.NO_PASID, DST, DmaDirection.WRITE)), iommu.requests());
        }
    }

    @Test
    void steppingTheClockRunsTheDevicesTimers() {
        try (DeviceFixture f = DeviceFixture.builder(DmaTestDevice.type(), "dmatest,delay_ns=1000").build()) {
            f.assignBars();
            copy(f, SRC, DST, 4);
            assertEquals(DmaTestDevice.RESULT_BUSY, f.mmioRead(0, DmaTestDevice.REG_RESULT, 4));
            f.step(999);
            assertEquals(DmaTestDevice.RESULT_BUSY, f.mmioRead(0, DmaTestDevice.REG_RESULT, 4));
            f.step(1);
            assertEquals(DmaTestDevice.RESULT_DONE, f.mmioRead(0, DmaTestDevice.REG_RESULT, 4));
        }
    }

    @Test
    void busMasterDisabledStopsTheDevicesDma() {
        try (DeviceFixture f = DeviceFixture.builder(DmaTestDevice.type(), "dmatest").build()) {
            f.assignBars();
            f.command(0x4, false);
            copy(f, SRC, DST, 4);
            assertEquals(DmaTestDevice.RESULT_BUS_MASTER_DISABLED, f.mmioRead(0, DmaTestDevice.REG_RESULT, 4));
        }
    }

    /** Sends vector (value) on any BAR0 write, throws on a read of offset 0x10. */
    private static final class Signaller implements PciDevice {
        DeviceContext context;

        @Override
        public FunctionSpec realize(DeviceContext c) {
            context = c;
            return FunctionSpec.builder(0x1234, 0x5678).msi(4, true, false)
                    .bar(0, BarSpec.memory32(4096, AccessRules.ANY, new MmioOps() {
                        @Override
                        public long read(long offset, int size) {
                            if (offset == 0x10) {
                                throw new IllegalStateException("device bug");
                            }
                            return 7;
                        }

                        @Override
                        public void write(long offset, int size, long value) {
                            context.interrupts().notify((int) value);
                        }
                    })).build();
        }
    }

    @Test
    void msiVectorsArriveWithTheirNumberAsData() {
        try (DeviceFixture f = DeviceFixture.builder(new Signaller()).build()) {
            f.assignBars();
            f.enableMsi(4);
            f.mmioWrite(0, 0, 4, 3);
            f.mmioWrite(0, 0, 4, 1);
            assertEquals(List.of(3, 1), f.msiData());
        }
    }

    @Test
    void aThrowingDeviceIsFencedAndTheFixtureShowsIt() {
        try (DeviceFixture f = DeviceFixture.builder(new Signaller()).build()) {
            f.assignBars();
            assertEquals(7, f.mmioRead(0, 0, 4));
            assertFalse(f.fenced());
            assertEquals(0xFFFF_FFFFL, f.mmioRead(0, 0x10, 4));
            assertTrue(f.fenced());
            assertEquals(0xFFFF_FFFFL, f.mmioRead(0, 0, 4));
            assertTrue(f.traced("function fenced"));
        }
    }
}
