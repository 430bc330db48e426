package com.example.ring;

import dev.vplat.pci.testkit.DeviceFixture;
import dev.vplat.pci.testkit.FakeIommu;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The ring device driven by the vplat test kit's fake driver: no server, no sockets. */
class RingDeviceTest {
    private static final long RING = 0x10_0000;
    private static final long SRC = 0x20_0000;
    private static final long DST = 0x30_0000;

    /** A fixture with the device enabled: BARs assigned, MSI-X on, a ring of {@code entries} at RING. */
    private static DeviceFixture ring(String options, int entries) {
        DeviceFixture f = DeviceFixture.builder(RingDevice.type(), options).build();
        setUp(f, entries);
        return f;
    }

    private static void setUp(DeviceFixture f, int entries) {
        f.assignBars();
        f.enableMsix();
        f.mmioWrite(0, RingDevice.REG_RING_BASE, 8, RING);
        f.mmioWrite(0, RingDevice.REG_RING_SIZE, 4, entries);
        f.mmioWrite(0, RingDevice.REG_CONTROL, 4, RingDevice.CONTROL_ENABLE | RingDevice.CONTROL_IRQ);
    }

    private static void descriptor(DeviceFixture f, int index, long src, long dst, int length, int flags) {
        long at = RING + (long) index * RingDevice.DESCRIPTOR_SIZE;
        f.memory().write64(at, src);
        f.memory().write64(at + 0x08, dst);
        f.memory().write32(at + 0x10, length);
        f.memory().write32(at + 0x14, flags);
        f.memory().write64(at + 0x18, 0);
    }

    private static long status(DeviceFixture f, int index) {
        return f.memory().read32(RING + (long) index * RingDevice.DESCRIPTOR_SIZE + 0x18);
    }

    private static long result(DeviceFixture f, int index) {
        return f.memory().read32(RING + (long) index * RingDevice.DESCRIPTOR_SIZE + 0x1C);
    }

    private static void submit(DeviceFixture f, int tail) {
        f.mmioWrite(0, RingDevice.REG_TAIL, 4, tail);
        f.mmioWrite(0, RingDevice.REG_DOORBELL, 4, 1);
    }

    @Test
    void copyDescriptorMovesTheBufferMarksItDoneAndRaisesVectorZero() {
        try (DeviceFixture f = ring("ring-dma", 8)) {
            byte[] data = "hello, ring".getBytes(StandardCharsets.US_ASCII);
            f.writeBytes(SRC, data);
            descriptor(f, 0, SRC, DST, data.length, RingDevice.FLAG_COPY);
            submit(f, 1);
            assertArrayEquals(data, f.readBytes(DST, data.length));
            assertEquals(RingDevice.DESC_DONE, status(f, 0));
            assertEquals(data.length, result(f, 0));
            assertEquals(1, f.mmioRead(0, RingDevice.REG_HEAD, 4));
            assertEquals(List.of(0), f.msiData());
        }
    }

    @Test
    void checksumDescriptorWritesTheCrc32OfTheBuffer() {
        try (DeviceFixture f = ring("ring-dma", 8)) {
            byte[] data = new byte[3000];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i * 7);
            }
            f.writeBytes(SRC + 0xF00, data);
            descriptor(f, 0, SRC + 0xF00, 0, data.length, RingDevice.FLAG_CHECKSUM);
            submit(f, 1);
            CRC32 crc = new CRC32();
            crc.update(data);
            assertEquals(crc.getValue(), result(f, 0));
        }
    }

    @Test
    void oneDoorbellProcessesEveryReadyDescriptorAndRaisesOneInterrupt() {
        try (DeviceFixture f = ring("ring-dma", 4)) {
            for (int i = 0; i < 3; i++) {
                f.writeBytes(SRC + i * 0x100, new byte[] {(byte) (i + 1)});
                descriptor(f, i, SRC + i * 0x100, DST + i * 0x100, 1, RingDevice.FLAG_COPY);
            }
            submit(f, 3);
            for (int i = 0; i < 3; i++) {
                assertEquals(i + 1, f.readBytes(DST + i * 0x100, 1)[0]);
            }
            assertEquals(3, f.mmioRead(0, RingDevice.REG_COMPLETED, 4));
            assertEquals(List.of(0), f.msiData());
        }
    }

    @Test
    void headWrapsAroundTheEndOfTheRing() {
        try (DeviceFixture f = ring("ring-dma", 2)) {
            descriptor(f, 0, SRC, DST, 1, RingDevice.FLAG_COPY);
            descriptor(f, 1, SRC, DST, 1, RingDevice.FLAG_COPY);
            submit(f, 1);
            submit(f, 0);
            assertEquals(0, f.mmioRead(0, RingDevice.REG_HEAD, 4));
            assertEquals(2, f.mmioRead(0, RingDevice.REG_COMPLETED, 4));
        }
    }

    @Test
    void aBufferTheIommuDoesNotMapCompletesWithDmaError() {
        FakeIommu iommu = FakeIommu.mapped().map(RING, RING, 0x1000, true, true).map(SRC, SRC, 0x1000, true, false);
        try (DeviceFixture f = DeviceFixture.builder(RingDevice.type(), "ring-dma").iommu(iommu).build()) {
            setUp(f, 8);
            descriptor(f, 0, SRC, DST, 16, RingDevice.FLAG_COPY);
            submit(f, 1);
            assertEquals(RingDevice.DESC_DMA_ERROR, status(f, 0));
            assertEquals(1, iommu.faults());
        }
    }

    @Test
    void withLatencyTheWorkWaitsForVirtualTime() {
        try (DeviceFixture f = ring("ring-dma,latency_ns=500", 8)) {
            descriptor(f, 0, SRC, DST, 4, RingDevice.FLAG_COPY);
            submit(f, 1);
            assertEquals(0, status(f, 0));
            f.step(500);
            assertEquals(RingDevice.DESC_DONE, status(f, 0));
            assertEquals(List.of(0), f.msiData());
        }
    }

    @Test
    void aDoorbellWhileDisabledDoesNothing() {
        try (DeviceFixture f = ring("ring-dma", 8)) {
            f.mmioWrite(0, RingDevice.REG_CONTROL, 4, 0);
            descriptor(f, 0, SRC, DST, 4, RingDevice.FLAG_COPY);
            submit(f, 1);
            assertEquals(0, f.mmioRead(0, RingDevice.REG_HEAD, 4));
            assertEquals(List.of(), f.msiData());
        }
    }

    @Test
    void aRingSizeThatIsNotAPowerOfTwoSetsStatusError() {
        try (DeviceFixture f = ring("ring-dma", 3)) {
            submit(f, 1);
            assertEquals(RingDevice.STATUS_ERROR, f.mmioRead(0, RingDevice.REG_STATUS, 4));
            f.mmioWrite(0, RingDevice.REG_STATUS, 4, RingDevice.STATUS_ERROR);
            assertEquals(0, f.mmioRead(0, RingDevice.REG_STATUS, 4), "STATUS.ERROR is write-1-to-clear");
        }
    }

    @Test
    void aDescriptorAskingForBothCopyAndChecksumIsInvalid() {
        try (DeviceFixture f = ring("ring-dma", 8)) {
            descriptor(f, 0, SRC, DST, 4, RingDevice.FLAG_COPY | RingDevice.FLAG_CHECKSUM);
            submit(f, 1);
            assertEquals(RingDevice.DESC_INVALID, status(f, 0));
        }
    }

    @Test
    void resetReturnsTheRingRegistersToZero() {
        try (DeviceFixture f = ring("ring-dma", 8)) {
            descriptor(f, 0, SRC, DST, 4, RingDevice.FLAG_COPY);
            submit(f, 1);
            f.reset();
            f.assignBars();
            assertEquals(0, f.mmioRead(0, RingDevice.REG_HEAD, 4));
            assertEquals(0, f.mmioRead(0, RingDevice.REG_RING_BASE, 8));
            assertEquals(RingDevice.ID_VALUE, f.mmioRead(0, RingDevice.REG_ID, 4));
        }
    }
}
