package dev.vplat.vfio.cli;

import dev.vplat.vfio.platform.Platform;
import dev.vplat.vfio.platform.PlatformConfig;
import dev.vplat.vfio.platform.Platforms;
import dev.vplat.vfio.server.ListenAddress;
import dev.vplat.vfio.server.ServerOptions;
import dev.vplat.vfio.server.VplatServer;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@code vplat lspci} on the default q35 machine, against text written from pciutils' formats
 * (lspci.c show_verbose/show_bases/show_htype1/show_hex_dump, ls-caps.c, ls-ecaps.c,
 * ls-kernel.c, ls-tree.c) and the q35 layout of docs/devices/pci.md: the host kernel numbers
 * buses 01 (behind root port 00:04.0) and 02 (behind the PCIe-to-PCI bridge 00:06.0), leaves
 * BARs unassigned and binds each device type's own driver.
 */
class LspciCommandTest {
    private static String run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(new StringWriter(), true));
        List<String> all = new ArrayList<>(List.of("lspci", "--memory", "64M"));
        all.addAll(List.of(args));
        assertEquals(0, cl.execute(all.toArray(String[]::new)));
        return out.toString();
    }

    /** The block of one function: from its title line through the blank line that ends it. */
    private static String block(String output, String slot) {
        int start = output.indexOf(slot + " ");
        int end = output.indexOf("\n\n", start);
        return output.substring(start, end + 2);
    }

    @Test
    void treeNestsBusesUnderTheirBridges() {
        assertEquals(String.join("\n",
                "-[0000:00]-+-00.0",
                "           +-03.0",
                "           +-04.0-[01]----00.0",
                "           +-05.0",
                "           +-05.1",
                "           +-06.0-[02]----01.0",
                "           \\-07.0", ""), run("-t"));
    }

    @Test
    void terseListIsInBusOrder() {
        assertEquals(String.join("\n",
                "00:00.0 Host bridge: Device 8086:29c0",
                "00:03.0 Unclassified device [00ff]: Device 1234:11e8 (rev 10)",
                "00:04.0 PCI bridge: Device 1b36:000c",
                "00:05.0 Unclassified device [00ff]: Device 1234:da7a (rev 01)",
                "00:05.1 Unclassified device [00ff]: Device 1234:da7a (rev 01)",
                "00:06.0 PCI bridge: Device 1b36:000e",
                "00:07.0 Unclassified device [00ff]: Device 1234:da7a (rev 01)",
                "01:00.0 Unclassified device [00ff]: Device 1234:da7a (rev 01)",
                "02:01.0 Unclassified device [00ff]: Device 1234:11e8 (rev 10)", ""), run());
    }

    @Test
    void hexDumpShowsTheStandardHeaderOfEveryFunction() {
        String x = run("-x");
        assertEquals(String.join("\n",
                "00:00.0 Host bridge: Device 8086:29c0",
                "00: 86 80 c0 29 00 00 00 00 00 00 00 06 00 00 00 00",
                "10: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
                "20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11",
                "30: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00", "", ""), block(x, "00:00.0"));
        /* Type 1 header: bus numbers 00/01/01 at 0x18, 32-bit I/O and 64-bit prefetchable window types, caps at 0x40. */
        assertEquals(String.join("\n",
                "00:04.0 PCI bridge: Device 1b36:000c",
                "00: 36 1b 0c 00 00 00 10 00 00 00 04 06 00 00 01 00",
                "10: 00 00 00 00 00 00 00 00 00 01 01 00 01 01 00 00",
                "20: 00 00 00 00 01 00 01 00 00 00 00 00 00 00 00 00",
                "30: 00 00 00 00 40 00 00 00 00 00 00 00 00 00 00 00", "", ""), block(x, "00:04.0"));
        /* Multi-function bit in the header type, unassigned 64-bit BAR 0, interrupt pin A. */
        assertEquals(String.join("\n",
                "00:05.0 Unclassified device [00ff]: Device 1234:da7a (rev 01)",
                "00: 34 12 7a da 00 00 10 00 01 00 ff 00 00 00 80 00",
                "10: 04 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
                "20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11",
                "30: 00 00 00 00 40 00 00 00 00 00 00 00 00 01 00 00", "", ""), block(x, "00:05.0"));
        assertEquals(9, x.split("\n\n").length);
    }

    @Test
    void verboseListsFlagsRegionsCapabilitiesAndDriver() {
        assertEquals(String.join("\n",
                "01:00.0 Unclassified device [00ff]: Device 1234:da7a (rev 01)",
                "\tSubsystem: Device 1af4:1100",
                "\tFlags: fast devsel, IOMMU group 2",
                "\tMemory at <unassigned> (64-bit, non-prefetchable) [disabled] [size=4K]",
                "\tMemory at <unassigned> (32-bit, non-prefetchable) [disabled] [size=4K]",
                "\tCapabilities: [40] Express Endpoint, MSI 00",
                "\tCapabilities: [7c] Power Management version 3",
                "\tCapabilities: [84] MSI-X: Enable- Count=4 Masked-",
                "\tCapabilities: [100] Address Translation Service (ATS)",
                "\tCapabilities: [108] Process Address Space ID (PASID)",
                "\tKernel driver in use: dmatest", "", ""), block(run("-v"), "01:00.0"));
    }

    @Test
    void veryVerboseDecodesEduBehindTheGuestOwnedUnit() {
        assertEquals(String.join("\n",
                "00:03.0 Unclassified device [00ff]: Device 1234:11e8 (rev 10)",
                "\tSubsystem: Device 1af4:1100",
                "\tControl: I/O- Mem- BusMaster- SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR- FastB2B- DisINTx-",
                "\tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-",
                "\tInterrupt: pin A routed to IRQ 0",
                "\tRegion 0: Memory at <unassigned> (32-bit, non-prefetchable) [disabled] [size=1M]",
                "\tCapabilities: [40] MSI: Enable- Count=1/1 Maskable- 64bit+",
                "\t\tAddress: 0000000000000000  Data: 0000",
                "\tKernel driver in use: edu", "", ""), block(run("-vv"), "00:03.0"));
    }

    @Test
    void veryVerboseDecodesTheRootPort() {
        assertEquals(String.join("\n",
                "00:04.0 PCI bridge: Device 1b36:000c",
                "\tControl: I/O- Mem- BusMaster- SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR- FastB2B- DisINTx-",
                "\tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-",
                "\tIOMMU group: 1",
                "\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0",
                "\tI/O behind bridge: 00000000-00000fff [size=4K]",
                "\tMemory behind bridge: 00000000-000fffff [size=1M]",
                "\tPrefetchable memory behind bridge: 0000000000000000-00000000000fffff [size=1M]",
                "\tSecondary status: 66MHz- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- <SERR- <PERR-",
                "\tBridgeCtl: Parity- SERR- NoISA- VGA- VGA16- MAbort- >Reset- FastB2B-",
                "\t\tPriDiscTmr- SecDiscTmr- DiscTmrStat- DiscTmrSERREn-",
                "\tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00",
                "\t\tDevCap:\tMaxPayload 256 bytes, PhantFunc 0",
                "\t\t\tExtTag- RBE+",
                "\t\tDevCtl:\tCorrErr- NonFatalErr- FatalErr- UnsupReq-",
                "\t\t\tRlxdOrd+ ExtTag- PhantFunc- AuxPwr- NoSnoop+",
                "\t\t\tMaxPayload 128 bytes, MaxReadReq 512 bytes",
                "\t\tDevSta:\tCorrErr- NonFatalErr- FatalErr- UnsupReq- AuxPwr- TransPend-",
                "\t\tLnkCap:\tPort #0, Speed 2.5GT/s, Width x1, ASPM not supported",
                "\t\t\tClockPM- Surprise- LLActRep+ BwNot- ASPMOptComp-",
                "\t\tLnkCtl:\tASPM Disabled; RCB 64 bytes Disabled- CommClk-",
                "\t\t\tExtSynch- ClockPM- AutWidDis- BWInt- AutBWInt-",
                "\t\tLnkSta:\tSpeed 2.5GT/s (ok), Width x1 (ok)",
                "\t\t\tTrErr- Train- SlotClk- DLActive+ BWMgmt- ABWMgmt-",
                "\t\tSltCap:\tAttnBtn- PwrCtrl- MRL- AttnInd- PwrInd- HotPlug- Surprise-",
                "\t\t\tSlot #4, PowerLimit 0.000W; Interlock- NoCompl-",
                "\t\tSltCtl:\tEnable: AttnBtn- PwrFlt- MRL- PresDet- CmdCplt- HPIrq- LinkChg-",
                "\t\t\tControl: AttnInd Unknown, PwrInd Unknown, Power- Interlock-",
                "\t\tSltSta:\tStatus: AttnBtn- PowerFlt- MRL- CmdCplt- PresDet+ Interlock-",
                "\t\t\tChanged: MRL- PresDet- LinkState-",
                "\t\tRootCtl: ErrCorrectable- ErrNon-Fatal- ErrFatal- PMEIntEna- CRSVisible-",
                "\t\tRootCap: CRSVisible-",
                "\t\tRootSta: PME ReqID 0000, PMEStatus- PMEPending-",
                "\t\tDevCap2: Completion Timeout: Not Supported, TimeoutDis-, LTR-, OBFF Not Supported ARIFwd-",
                "\t\t\t AtomicOpsCap: Routing- 32bit- 64bit- 128bitCAS-",
                "\t\tDevCtl2: Completion Timeout: 50us to 50ms, TimeoutDis-, LTR-, OBFF Disabled ARIFwd-",
                "\t\t\t AtomicOpsCtl: ReqEn- EgressBlck-",
                "\t\tLnkCtl2: Target Link Speed: 2.5GT/s, EnterCompliance- SpeedDis-",
                "\t\t\t Transmit Margin: Normal Operating Range, EnterModifiedCompliance- ComplianceSOS-",
                "\t\t\t Compliance De-emphasis: -6dB",
                "\t\tLnkSta2: Current De-emphasis Level: -6dB, EqualizationComplete-, EqualizationPhase1-",
                "\t\t\t EqualizationPhase2-, EqualizationPhase3-, LinkEqualizationRequest-",
                "\tCapabilities: [100 v1] Access Control Services",
                "\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-",
                "\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-", "", ""),
                block(run("-vv"), "00:04.0"));
    }

    @Test
    void aRunningServerAndAnEmbeddedMachineListTheSame() {
        try (Platform p = Platforms.create(PlatformConfig.defaults().withMemory(64L << 20));
             VplatServer server = VplatServer.start(p, ServerOptions.defaults(),
                     List.of(ListenAddress.parse("tcp:127.0.0.1:0")))) {
            String target = server.addresses().get(0).toString();
            assertEquals(run("-vv", "-xxxx"), run("--target", target, "-vv", "-xxxx"));
            assertEquals(run("-tv"), run("--target", target, "-tv"));
        }
    }

    @Test
    void machineWithoutEcamIsReadThroughConfigMechanismOne() {
        try (EmbeddedLink link = new EmbeddedLink(PlatformConfig.defaults().withMemory(64L << 20))) {
            PciFunction rootPort = PciFunction.fromMachineInfo(link.machineInfo()).get(2);
            byte[] viaConf1 = LspciCommand.configSpace(link, "{\"memory\":[]}").read(rootPort);
            byte[] viaEcam = LspciCommand.configSpace(link, link.machineInfo()).read(rootPort);
            assertEquals(256, viaConf1.length);
            assertEquals(4096, viaEcam.length);
            assertArrayEquals(Arrays.copyOf(viaEcam, 256), viaConf1);
        }
    }
}
