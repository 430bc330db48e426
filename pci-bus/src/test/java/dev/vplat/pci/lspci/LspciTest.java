package dev.vplat.pci.lspci;

import dev.vplat.pci.Bench;
import dev.vplat.pci.PciBridge;
import dev.vplat.pci.PciFunction;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LspciTest {
    @Test
    void hexDumpOfEduMatchesLspciX() {
        Bench b = new Bench();
        PciFunction edu = b.plug("edu", "edu,addr=03.0");
        b.assignBar(edu, 0, 0xFEA0_0000L);
        assertEquals(String.join("\n",
                "00:03.0 Unclassified device [00ff]: Device 1234:11e8 (rev 10)",
                "00: 34 12 e8 11 06 00 10 00 10 00 ff 00 00 00 00 00",
                "10: 00 00 a0 fe 00 00 00 00 00 00 00 00 00 00 00 00",
                "20: 00 00 00 00 00 00 00 00 00 00 00 00 f4 1a 00 11",
                "30: 00 00 00 00 40 00 00 00 00 00 00 00 00 01 00 00", ""), Lspci.hexDump(edu, 64));
    }

    @Test
    void verboseDecodesBarsAndMsi() {
        Bench b = new Bench();
        PciFunction edu = b.plug("edu", "edu,addr=03.0");
        b.assignBar(edu, 0, 0xFEA0_0000L);
        String v = Lspci.verbose(edu, 2);
        assertTrue(v.contains("\tControl: I/O- Mem+ BusMaster+"), v);
        assertTrue(v.contains("\tRegion 0: Memory at fea00000 (32-bit, non-prefetchable) [size=1M]"), v);
        assertTrue(v.contains("\tCapabilities: [40] MSI: Enable- Count=1/1 Maskable- 64bit+"), v);
        assertTrue(v.contains("\t\tAddress: 0000000000000000  Data: 0000"), v);
        assertTrue(v.contains("\tInterrupt: pin A routed to IRQ 0"), v);
    }

    @Test
    void verboseShowsUnassignedBarsAndPcieExtendedCapabilities() {
        Bench b = new Bench();
        PciFunction dt = b.plug("dt", "dmatest,addr=04.0");
        String v = Lspci.verbose(dt, 1);
        assertTrue(v.contains("\tMemory at <unassigned> (64-bit, non-prefetchable) [disabled] [size=4K]"), v);
        assertTrue(v.contains("Express (v2) Root Complex Integrated Endpoint, MSI 00"), v);
        assertTrue(v.contains("MSI-X: Enable- Count=4 Masked-"), v);
        assertTrue(v.contains("[100 v1] Address Translation Service (ATS)"), v);
        assertTrue(v.contains("Process Address Space ID (PASID)"), v);
    }

    @Test
    void bridgeShowsBusNumbers() {
        Bench b = new Bench();
        PciBridge rp = b.host.addRootPort("rp", "04.0");
        b.busNumbers(rp, 0, 1, 1);
        String v = Lspci.verbose(rp, 2);
        assertTrue(v.contains("\tBus: primary=00, secondary=01, subordinate=01, sec-latency=0"), v);
        assertTrue(v.contains("Express (v2) Root Port (Slot+), MSI 00"), v);
        assertTrue(v.contains("\t\tACSCap:\tSrcValid+ TransBlk+ ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-"), v);
    }

    @Test
    void treeOfTheQ35LayoutAfterBusNumbering() {
        Bench b = Bench.q35();
        b.busNumbers((PciBridge) b.host.function("rp0"), 0, 1, 1);
        b.busNumbers((PciBridge) b.host.function("pcibr0"), 0, 2, 2);
        assertEquals(String.join("\n",
                "-[0000:00]-+-00.0",
                "           +-03.0",
                "           +-04.0-[01]----00.0",
                "           +-05.0",
                "           +-05.1",
                "           \\-06.0-[02]----01.0", ""), Lspci.tree(b.host));
    }

    @Test
    void sizesUsePciutilsUnits() {
        assertEquals("16", Lspci.size(16));
        assertEquals("4K", Lspci.size(4096));
        assertEquals("8G", Lspci.size(8L << 30));
    }
}
