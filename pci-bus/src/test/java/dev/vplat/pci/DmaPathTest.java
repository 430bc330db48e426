package dev.vplat.pci;

import dev.vplat.pci.dma.DmaDirection;
import dev.vplat.pci.dma.DmaResult;
import dev.vplat.pci.dma.DmaScope;
import dev.vplat.pci.dma.DmaStatus;
import dev.vplat.pci.dma.DmaTranslator;
import dev.vplat.pci.dma.Translation;
import dev.vplat.pci.sdk.DeviceContext;
import dev.vplat.pci.sdk.FunctionSpec;
import dev.vplat.platform.irq.MsiMessage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DmaPathTest {
    private DeviceContext device;

    private PciFunction master(Bench b, String addr, String bus) {
        return b.plugModel("m" + addr + bus, addr, bus, c -> cx -> {
            device = cx;
            return FunctionSpec.builder(0x1234, 0x00D0).build();
        });
    }

    private static void enableBusMaster(Bench b, PciFunction f) {
        b.cfgWrite(f, 0x04, 2, 0x4);
    }

    /** Records each call; maps iova to iova + 0x100000 in 512-byte pieces, R/W unless told. */
    private static final class Recorder implements DmaTranslator {
        final List<String> calls = new ArrayList<>();
        Translation answer;

        @Override
        public Translation translate(RequesterId rid, int pasid, long iova, DmaDirection direction) {
            calls.add(rid + " " + pasid + " 0x" + Long.toHexString(iova) + " " + direction);
            return answer != null ? answer : Translation.ok(iova + 0x10_0000, 512 - (iova & 511));
        }
    }

    @Test
    void withoutBusMasterEnableReadsGiveZerosWritesAreDroppedAndTheTraceSaysWhy() {
        Bench b = new Bench();
        master(b, "08.0", "");
        b.machine.system().write(0x2000, 4, 0x1234_5678L);
        byte[] buf = {9, 9, 9, 9};
        DmaResult r = device.dma().read(0x2000, buf, 0, 4);
        assertEquals(DmaStatus.BUS_MASTER_DISABLED, r.status());
        assertArrayEquals(new byte[4], buf);
        device.dma().write(0x3000, new byte[] {1, 2, 3, 4}, 0, 4);
        assertEquals(0L, b.machine.system().read(0x3000, 4));
        assertTrue(b.traced("Command.BME=0"));
    }

    @Test
    void unclaimedRequesterIsIdentityMapped() {
        Bench b = new Bench();
        PciFunction f = master(b, "08.0", "");
        enableBusMaster(b, f);
        DmaResult r = device.dma().write(0x4FFE, new byte[] {1, 2, 3, 4}, 0, 4);
        assertTrue(r.ok());
        assertEquals(0x0403_0201L, b.machine.system().read(0x4FFE, 4));
    }

    @Test
    void claimedRequesterIsTranslatedOncePerTranslationNotPerByte() {
        Bench b = new Bench();
        PciFunction f = master(b, "08.0", "");
        enableBusMaster(b, f);
        Recorder iommu = new Recorder();
        b.host.dmaRouting().claim("iommu0", DmaScope.includeAll(), iommu);
        byte[] data = new byte[2048];
        Arrays.fill(data, (byte) 0x5A);
        assertTrue(device.dma().write(0x8100, data, 0, data.length).ok());
        assertEquals(List.of("00:08.0 -1 0x8100 WRITE", "00:08.0 -1 0x8200 WRITE", "00:08.0 -1 0x8400 WRITE",
                "00:08.0 -1 0x8600 WRITE", "00:08.0 -1 0x8800 WRITE"), iommu.calls);
        assertEquals(0x5A5A_5A5AL, b.machine.system().read(0x10_8100 + 2044, 4));
        assertEquals(0L, b.machine.system().read(0x8100, 4));
    }

    @Test
    void translationFaultAbortsWithTheFaultingIovaAndZeroFillsTheRestOfAReadBuffer() {
        Bench b = new Bench();
        PciFunction f = master(b, "08.0", "");
        enableBusMaster(b, f);
        Recorder iommu = new Recorder();
        b.host.dmaRouting().claim("iommu0", DmaScope.includeAll(), iommu);
        iommu.answer = Translation.translationFault();
        byte[] buf = new byte[16];
        Arrays.fill(buf, (byte) 1);
        DmaResult r = device.dma().read(0x7000, buf, 0, 16);
        assertEquals(DmaResult.failed(DmaStatus.TRANSLATION_FAULT, 0x7000, 0), r);
        assertArrayEquals(new byte[16], buf);
    }

    @Test
    void permissionFaultIsReportedAsSuch() {
        Bench b = new Bench();
        PciFunction f = master(b, "08.0", "");
        enableBusMaster(b, f);
        b.host.dmaRouting().claim("iommu0", DmaScope.includeAll(), (rid, p, iova, dir) ->
                dir == DmaDirection.WRITE ? Translation.permissionFault() : Translation.identity(iova));
        assertEquals(DmaStatus.PERMISSION_FAULT, device.dma().write(0x1000, new byte[4], 0, 4).status());
        assertTrue(device.dma().read(0x1000, new byte[4], 0, 4).ok());
    }

    @Test
    void unbackedTargetIsADecodeError() {
        Bench b = new Bench();
        PciFunction f = master(b, "08.0", "");
        enableBusMaster(b, f);
        DmaResult r = device.dma().read(0x4000_0000L, new byte[8], 0, 8);
        assertEquals(DmaStatus.DECODE_ERROR, r.status());
        assertEquals(0x4000_0000L, r.faultAddress());
    }

    @Test
    void specificScopeWinsOverIncludeAllAndReleaseFallsBack() {
        Bench b = new Bench();
        PciFunction f = master(b, "08.0", "");
        enableBusMaster(b, f);
        Recorder all = new Recorder();
        Recorder mine = new Recorder();
        b.host.dmaRouting().claim("catch-all", DmaScope.includeAll(), all);
        var claim = b.host.dmaRouting().claim("unit1", DmaScope.requesters(Set.of(RequesterId.of(0, 8, 0))), mine);
        device.dma().read(0x1000, new byte[4], 0, 4);
        assertEquals(1, mine.calls.size());
        assertEquals(0, all.calls.size());
        claim.release();
        device.dma().read(0x1000, new byte[4], 0, 4);
        assertEquals(1, all.calls.size());
    }

    @Test
    void secondIncludeAllClaimIsRefused() {
        Bench b = new Bench();
        b.host.dmaRouting().claim("a", DmaScope.includeAll(), (r, p, i, d) -> Translation.identity(i));
        assertThrows(IllegalStateException.class,
                () -> b.host.dmaRouting().claim("b", DmaScope.includeAll(), (r, p, i, d) -> Translation.identity(i)));
    }

    @Test
    void functionScopeFollowsTheDeviceWhenBusesAreRenumbered() {
        Bench b = new Bench();
        PciBridge rp = b.host.addRootPort("rp0", "04.0");
        PciFunction f = master(b, "00.0", "rp0");
        b.busNumbers(rp, 0, 3, 3);
        enableBusMaster(b, f);
        Recorder iommu = new Recorder();
        b.host.dmaRouting().claim("unit", DmaScope.functions(List.of(f)), iommu);
        device.dma().read(0, new byte[4], 0, 4);
        b.busNumbers(rp, 0, 5, 5);
        device.dma().read(0, new byte[4], 0, 4);
        assertEquals(List.of("03:00.0 -1 0x0 READ", "05:00.0 -1 0x0 READ"), iommu.calls);
    }

    @Test
    void behindAPcieToPciBridgeTheRequesterIdIsTheSecondaryBusWithDevfnZero() {
        Bench b = new Bench();
        PciBridge br = b.host.addBridge(PciBridge.Kind.PCIE_TO_PCI_BRIDGE, "br", "", "06.0", false);
        PciFunction f = master(b, "01.0", "br");
        b.busNumbers(br, 0, 2, 2);
        enableBusMaster(b, f);
        Recorder iommu = new Recorder();
        b.host.dmaRouting().claim("unit", DmaScope.includeAll(), iommu);
        device.dma().read(0x1000, new byte[4], 0, 4);
        assertEquals(RequesterId.of(2, 1, 0), f.requesterId());
        assertEquals(RequesterId.of(2, 0, 0), f.upstreamRequesterId());
        assertEquals("02:00.0 -1 0x1000 READ", iommu.calls.get(0));
    }

    @Test
    void x86InterruptWindowWritesAreMsisWithTheRequesterIdAndAreNeverTranslated() {
        Bench b = new Bench();
        PciFunction f = master(b, "08.0", "");
        enableBusMaster(b, f);
        Recorder iommu = new Recorder();
        b.host.dmaRouting().claim("unit", DmaScope.includeAll(), iommu);
        device.dma().write(0xFEE0_0050L, new byte[] {0x31, 0, 0, 0}, 0, 4);
        assertEquals(List.of(new MsiMessage(0xFEE0_0050L, 0x31, f.requesterId().value())), b.msis);
        assertTrue(iommu.calls.isEmpty());
    }

    @Test
    void onNonX86HostsMsiIsAnOrdinaryTranslatedWriteUnlessItHitsTheDoorbell() {
        Bench b = new Bench(PciHostOptions.generic(0x4010_0000_0L, 0x0800_0040L, 4));
        PciFunction f = master(b, "08.0", "");
        b.ecamWrite(0, 8, 0, 0x04, 2, 0x4);
        b.host.dmaRouting().claim("smmu", DmaScope.includeAll(), (r, p, iova, d) -> Translation.ok(iova - 0x1000, 4096));
        device.dma().write(0x0800_1040L, new byte[] {7, 0, 0, 0}, 0, 4);
        assertEquals(List.of(new MsiMessage(0x0800_0040L, 7, f.requesterId().value())), b.msis);
        device.dma().write(0xFEE0_1000L, new byte[] {7, 0, 0, 0}, 0, 4);
        assertEquals(1, b.msis.size(), "0xFEE... is not special off x86");
    }

    @Test
    void blockingIommuBlocksMsiOnNonX86ButNotOnX86() {
        Bench arm = new Bench(PciHostOptions.generic(0x4010_0000_0L, 0x0800_0040L, 4));
        PciFunction f = master(arm, "08.0", "");
        arm.ecamWrite(0, 8, 0, 0x04, 2, 0x4);
        arm.host.dmaRouting().claim("smmu", DmaScope.includeAll(), (r, p, i, d) -> Translation.translationFault());
        device.dma().write(0x0800_0040L, new byte[] {7, 0, 0, 0}, 0, 4);
        assertTrue(arm.msis.isEmpty());
        Bench x86 = new Bench();
        PciFunction g = master(x86, "08.0", "");
        enableBusMaster(x86, g);
        x86.host.dmaRouting().claim("vtd", DmaScope.includeAll(), (r, p, i, d) -> Translation.translationFault());
        device.dma().write(0xFEE0_0000L, new byte[] {7, 0, 0, 0}, 0, 4);
        assertEquals(1, x86.msis.size());
        assertEquals(f.requesterId(), g.requesterId());
    }
}
