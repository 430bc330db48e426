package dev.vplat.pci.lspci;

import dev.vplat.pci.Bench;
import dev.vplat.pci.PciBridge;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.sdk.FunctionSpec;
import dev.vplat.pci.sdk.PcieType;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Expected text follows pciutils' formats: lspci.c (show_terse, show_verbose, show_bases,
 * show_rom, show_htype1, show_hex_dump), ls-caps.c, ls-ecaps.c, ls-kernel.c and ls-tree.c.
 */
class LspciTest {
    private static final LspciOptions V = new LspciOptions(false, 1, 0);
    private static final LspciOptions VV = new LspciOptions(false, 2, 0);

    private static String vv(FunctionSnapshot f) {
        return Lspci.device(f, VV);
    }

    /** The same function with {@code config} bytes changed by {@code edit} and the OS view replaced. */
    private static FunctionSnapshot edited(FunctionSnapshot f, int offset, int value, List<FunctionSnapshot.Resource> resources) {
        byte[] bytes = new byte[f.configSize()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) f.u8(i);
        }
        for (int k = 0; k < 4; k++) {
            bytes[offset + k] = (byte) (value >>> (8 * k));
        }
        return new FunctionSnapshot(f.bus(), f.devfn(), bytes, f.driver(), f.iommuGroup(), resources);
    }

    @Test
    void hexDumpOfEduIsTheTitleAndFourRowsOfSixteenBytes() {
        Bench b = new Bench();
        PciFunction edu = b.plug("edu", "edu,addr=03.0");
        b.assignBar(edu, 0, 0xFEA0_0000L);
        assertEquals(String.join("\n",
                "00:03.0 Unclassified device [00ff]: Device 1234:11e8 (rev 10)",
                "00: 34 12 e8 11 06 00 10 00 10 00 ff 00 00 00 00 00",
                "10: 00 00 a0 fe 00 00 00 00 00 00 00 00 00 00 00 00",
                "20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11",
                "30: 00 00 00 00 40 00 00 00 00 00 00 00 00 01 00 00", "", ""),
                Lspci.device(FunctionSnapshot.capture(edu, null, null), new LspciOptions(false, 0, 1)));
    }

    @Test
    void veryVerboseEduDecodesHeaderBarMsiDriverAndGroup() {
        Bench b = new Bench();
        PciFunction edu = b.plug("edu", "edu,addr=03.0");
        b.assignBar(edu, 0, 0xFEA0_0000L);
        assertEquals(String.join("\n",
                "00:03.0 Unclassified device [00ff]: Device 1234:11e8 (rev 10)",
                "\tSubsystem: Device 1af4:1100",
                "\tControl: I/O- Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR- FastB2B- DisINTx-",
                "\tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-",
                "\tLatency: 0",
                "\tInterrupt: pin A routed to IRQ 0",
                "\tIOMMU group: 7",
                "\tRegion 0: Memory at fea00000 (32-bit, non-prefetchable) [size=1M]",
                "\tCapabilities: [40] MSI: Enable- Count=1/1 Maskable- 64bit+",
                "\t\tAddress: 0000000000000000  Data: 0000",
                "\tKernel driver in use: edu", "", ""), vv(FunctionSnapshot.capture(edu, "edu", 7)));
    }

    @Test
    void verboseFoldsTheHeaderIntoOneFlagsLineAndDropsRegionNumbers() {
        Bench b = new Bench();
        PciFunction edu = b.plug("edu", "edu,addr=03.0");
        b.assignBar(edu, 0, 0xFEA0_0000L);
        b.cfgWrite(edu, PciConfig.INTERRUPT_LINE, 1, 11);
        String v = Lspci.device(FunctionSnapshot.capture(edu, null, 7), V);
        assertTrue(v.contains("\n\tFlags: bus master, fast devsel, latency 0, IRQ 11, IOMMU group 7\n"
                + "\tMemory at fea00000 (32-bit, non-prefetchable) [size=1M]\n"), v);
    }

    @Test
    void unassignedBarWithDecodingOffIsUnassignedAndDisabled() {
        Bench b = new Bench();
        String v = vv(FunctionSnapshot.capture(b.plug("dt", "dmatest,addr=04.0"), null, null));
        assertTrue(v.contains("\tRegion 0: Memory at <unassigned> (64-bit, non-prefetchable) [disabled] [size=4K]\n"), v);
    }

    @Test
    void regionTheOsReportsWhileTheBarReadsZeroIsVirtual() {
        Bench b = new Bench();
        FunctionSnapshot edu = FunctionSnapshot.capture(b.plug("edu", "edu,addr=03.0"), null, null);
        FunctionSnapshot virt = edited(edu, PciConfig.BAR0, 0,
                List.of(new FunctionSnapshot.Resource(0, 0xFE00_0000L, 0x1000, 0)));
        assertTrue(vv(virt).contains("\tRegion 0: Memory at fe000000 (32-bit, non-prefetchable) [virtual] [size=4K]\n"), vv(virt));
    }

    @Test
    void barAddressTheOsDoesNotUseIsIgnored() {
        Bench b = new Bench();
        FunctionSnapshot edu = FunctionSnapshot.capture(b.plug("edu", "edu,addr=03.0"), null, null);
        FunctionSnapshot ignored = edited(edu, PciConfig.BAR0, 0xFEB0_0000, List.of());
        assertTrue(vv(ignored).contains("\tRegion 0: Memory at <ignored> (32-bit, non-prefetchable) [disabled]\n"), vv(ignored));
    }

    @Test
    void expressVersionAndExtendedCapabilityVersionsShowOnlyWithVeryVerbose() {
        Bench b = new Bench();
        FunctionSnapshot dt = FunctionSnapshot.capture(b.plug("dt", "dmatest,addr=04.0"), null, null);
        String v = Lspci.device(dt, V);
        assertTrue(v.contains("\tCapabilities: [40] Express Root Complex Integrated Endpoint, MSI 00\n"), v);
        assertTrue(v.contains("\tCapabilities: [100] Address Translation Service (ATS)\n"), v);
        String vv = vv(dt);
        assertTrue(vv.contains("\tCapabilities: [40] Express (v2) Root Complex Integrated Endpoint, MSI 00\n"), vv);
        assertTrue(vv.contains("\tCapabilities: [100 v1] Address Translation Service (ATS)\n"
                + "\t\tATSCap:\tInvalidate Queue Depth: 00\n"
                + "\t\tATSCtl:\tEnable-, Smallest Translation Unit: 00\n"), vv);
    }

    @Test
    void integratedEndpointHasDeviceRegistersButNoLinkRegisters() {
        Bench b = new Bench();
        String vv = vv(FunctionSnapshot.capture(b.plug("dt", "dmatest,addr=04.0"), null, null));
        assertTrue(vv.contains("\t\tDevCap:\tMaxPayload 256 bytes, PhantFunc 0\n\t\t\tExtTag- RBE+\n"
                + "\t\tDevCtl:\tCorrErr- NonFatalErr- FatalErr- UnsupReq-\n"
                + "\t\t\tRlxdOrd+ ExtTag- PhantFunc- AuxPwr- NoSnoop+\n"
                + "\t\t\tMaxPayload 128 bytes, MaxReadReq 512 bytes\n"
                + "\t\tDevSta:\tCorrErr- NonFatalErr- FatalErr- UnsupReq- AuxPwr- TransPend-\n"), vv);
        assertFalse(vv.contains("LnkCap"), vv);
    }

    @Test
    void endpointBehindARootPortDecodesLinkCapabilitiesControlAndStatus() {
        Bench b = new Bench();
        PciBridge rp = b.host.addRootPort("rp", "04.0");
        b.busNumbers(rp, 0, 1, 1);
        PciFunction dt = b.plug("dt", "dmatest,bus=rp,addr=00.0");
        String vv = vv(FunctionSnapshot.capture(dt, null, null));
        assertTrue(vv.contains("Express (v2) Endpoint, MSI 00\n"
                + "\t\tDevCap:\tMaxPayload 256 bytes, PhantFunc 0, Latency L0s <64ns, L1 <1us\n"
                + "\t\t\tExtTag- AttnBtn- AttnInd- PwrInd- RBE+ FLReset+ SlotPowerLimit 0.000W\n"), vv);
        assertTrue(vv.contains("\t\tLnkCap:\tPort #0, Speed 2.5GT/s, Width x1, ASPM not supported\n"
                + "\t\t\tClockPM- Surprise- LLActRep- BwNot- ASPMOptComp-\n"
                + "\t\tLnkCtl:\tASPM Disabled; RCB 64 bytes Disabled- CommClk-\n"
                + "\t\t\tExtSynch- ClockPM- AutWidDis- BWInt- AutBWInt-\n"
                + "\t\tLnkSta:\tSpeed 2.5GT/s (ok), Width x1 (ok)\n"
                + "\t\t\tTrErr- Train- SlotClk- DLActive- BWMgmt- ABWMgmt-\n"), vv);
    }

    @Test
    void rootPortShowsBusNumbersWindowsSlotRootAndAcs() {
        Bench b = new Bench();
        PciBridge rp = b.host.addRootPort("rp", "04.0");
        b.busNumbers(rp, 0, 1, 1);
        String vv = vv(FunctionSnapshot.capture(rp, null, null));
        assertTrue(vv.contains("\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0\n"), vv);
        assertTrue(vv.contains("\tMemory behind bridge: 00000000-000fffff [size=1M]\n"), vv);
        assertTrue(vv.contains("Express (v2) Root Port (Slot+), MSI 00\n"), vv);
        assertTrue(vv.contains("\t\t\tSlot #4, PowerLimit 0.000W; Interlock- NoCompl-\n"), vv);
        assertTrue(vv.contains("\t\tRootSta: PME ReqID 0000, PMEStatus- PMEPending-\n"), vv);
        assertTrue(vv.contains("\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-\n"), vv);
    }

    @Test
    void bridgeWindowWithBaseAboveLimitIsDisabled() {
        Bench b = new Bench();
        PciBridge rp = b.host.addRootPort("rp", "04.0");
        b.cfgWrite(rp, PciConfig.MEMORY_BASE, 2, 0xFFF0);
        String vv = vv(FunctionSnapshot.capture(rp, null, null));
        assertTrue(vv.contains("\tMemory behind bridge: [disabled]\n"), vv);
    }

    @Test
    void vendorSpecificCapabilitiesShowTheirLengthAndVsecHeader() {
        Bench b = new Bench();
        PciFunction f = b.plugSpec("v", "05.0", c -> FunctionSpec.builder(0x1234, 0x0001).pcie(PcieType.ENDPOINT, false)
                .vendorSpecific(new byte[5]).vendorSpecificExtended(0x0002, 1, new byte[8]).build());
        String v = Lspci.device(FunctionSnapshot.capture(f, null, null), V);
        assertTrue(v.contains("Vendor Specific Information: Len=08 <?>\n"), v);
        assertTrue(v.contains("\tCapabilities: [100] Vendor Specific Information: ID=0002 Rev=1 Len=010 <?>\n"), v);
    }

    @Test
    void priAndPasidDecodeControlAndStatus() {
        Bench b = new Bench();
        PciFunction f = b.plugSpec("p", "05.0", c -> FunctionSpec.builder(0x1234, 0x0002).pcie(PcieType.ENDPOINT, false)
                .pasid(20, true, false).pri(32).build());
        String vv = vv(FunctionSnapshot.capture(f, null, null));
        assertTrue(vv.contains("Process Address Space ID (PASID)\n\t\tPASIDCap: Exec+ Priv-, Max PASID Width: 14\n"
                + "\t\tPASIDCtl: Enable- Exec- Priv-\n"), vv);
        assertTrue(vv.contains("Page Request Interface (PRI)\n\t\tPRICtl: Enable- Reset-\n"
                + "\t\tPRISta: RF- UPRGI- Stopped+ PASID-\n"
                + "\t\tPage Request Capacity: 00000020, Page Request Allocation: 00000000\n"), vv);
    }

    @Test
    void conventionalFunctionKeepsOnly256BytesOfConfigSpace() {
        Bench b = new Bench();
        FunctionSnapshot edu = FunctionSnapshot.capture(b.plug("edu", "edu,addr=03.0"), null, null);
        byte[] bytes = new byte[4096];
        for (int i = 0; i < 256; i++) {
            bytes[i] = (byte) edu.u8(i);
        }
        assertEquals(256, new FunctionSnapshot(0, 0x18, bytes, null, null, List.of()).configSize());
    }

    @Test
    void fullHexDumpOfAnExpressFunctionCoversExtendedSpace() {
        Bench b = new Bench();
        FunctionSnapshot dt = FunctionSnapshot.capture(b.plug("dt", "dmatest,addr=04.0"), null, null);
        String x = Lspci.device(dt, new LspciOptions(false, 0, 4));
        /* ATS header (ID 000f, v1, next 108), ATS Capability 0020; PASID header (ID 001b, v1, end), Max Width 20. */
        assertTrue(x.contains("\n100: 0f 00 81 10 20 00 00 00 1b 00 01 00 00 14 00 00\n"), x);
        assertTrue(x.endsWith("\nff0: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00\n\n"), x);
    }

    @Test
    void treeNestsEachBusUnderTheBridgeThatClaimsIt() {
        Bench b = Bench.q35();
        b.busNumbers((PciBridge) b.host.function("rp0"), 0, 1, 1);
        b.busNumbers((PciBridge) b.host.function("pcibr0"), 0, 2, 2);
        assertEquals(String.join("\n",
                "-[0000:00]-+-00.0",
                "           +-03.0",
                "           +-04.0-[01]----00.0",
                "           +-05.0",
                "           +-05.1",
                "           \\-06.0-[02]----01.0", ""), Lspci.render(FunctionSnapshot.captureAll(b.host), new LspciOptions(true, 0, 0)));
    }

    @Test
    void treeOfABridgeRangeShowsSecondaryAndSubordinateAndVerboseAddsIds() {
        Bench b = new Bench();
        PciBridge rp = b.host.addRootPort("rp", "04.0");
        b.busNumbers(rp, 0, 1, 3);
        b.plug("dt", "dmatest,bus=rp,addr=00.0");
        assertEquals(String.join("\n",
                "-[0000:00]-+-00.0  Device 8086:29c0",
                "           \\-04.0-[01-03]----00.0  Device 1234:da7a", ""),
                Lspci.render(FunctionSnapshot.captureAll(b.host), new LspciOptions(true, 1, 0)));
    }

    @Test
    void sizesUsePciutilsUnits() {
        assertEquals(" [size=16]", Out.size(16));
        assertEquals(" [size=4K]", Out.size(4096));
        assertEquals(" [size=1536]", Out.size(1536));
        assertEquals(" [size=8G]", Out.size(8L << 30));
        assertEquals("", Out.size(0));
    }
}
