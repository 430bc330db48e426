package dev.vplat.iommu.smmuv3;

import dev.vplat.pci.RequesterId;
import dev.vplat.pci.dma.DmaDirection;
import dev.vplat.pci.dma.Translation;
import org.junit.jupiter.api.Test;

import static dev.vplat.iommu.smmuv3.CommandExecutor.*;
import static dev.vplat.iommu.smmuv3.SmmuRegisters.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The register traffic of Linux's arm_smmu_device_reset (fact sheet §B.16), in order, through
 * MMIO only: probe, disable, CR1/CR2, two-level stream table, command queue and its MSI-polled
 * CMD_SYNCs, event queue through page 1, MSIs, enable; then a device attach and its DMA.
 */
class LinuxBringUpTest {
    private final SmmuTestBed bed = new SmmuTestBed();
    private long cmdqProd;

    /** arm_smmu_write_reg_sync: write, then the ACK register must equal the value at once. */
    private void writeSync(int reg, int ack, long value) {
        bed.write32(reg, value);
        assertEquals(value, bed.read32(ack));
    }

    /** arm_smmu_cmdq_issue_cmd_with_sync with MSIPOLL: a SIG_IRQ sync whose MSI clears its own slot. */
    private void issueWithSync(long w0, long w1) {
        long q = bed.cmdq;
        long mask = (2L << SmmuTestBed.CMDQ_LOG2) - 1;
        long slots = 1L << SmmuTestBed.CMDQ_LOG2;
        bed.writeWords(q + 16 * (cmdqProd % slots), w0, w1);
        long syncSlot = q + 16 * ((cmdqProd + 1) % slots);
        bed.writeWords(syncSlot, SYNC | 1L << 12 | 3L << 22 | 0xFL << 24, syncSlot);
        cmdqProd = (cmdqProd + 2) & mask;
        bed.write32(CMDQ_PROD, cmdqProd);
        assertEquals(0, bed.mem.readRam(syncSlot, 4), "CMD_SYNC MSI write of MSIData=0 to its own slot");
    }

    @Test
    void linuxOrderBringUpThenDeviceDmaTranslates() {
        long idr0 = bed.read32(IDR0);
        assertEquals(2, idr0 >>> 2 & 3, "TTF AArch64");
        assertEquals(2, idr0 >>> 21 & 3, "TTENDIAN little-endian");
        assertTrue((bed.read32(IDR1) >>> 21 & 0x1F) > 6, "CMDQS larger than log2(BITS_PER_LONG)");
        assertEquals(0, bed.read32(IDR1) >>> 28 & 7, "no REL/QUEUES_PRESET/TABLES_PRESET");

        long l1 = bed.alloc(8 * 256, 8 * 256);
        bed.setUpQueues();
        writeSync(CR0, CR0ACK, 0);
        bed.write32(CR1, 0xD75);
        bed.write32(CR2, 0x6);
        bed.write64(STRTAB_BASE, 1L << 62 | l1);
        bed.write32(STRTAB_BASE_CFG, 1 << 16 | 8 << 6 | 16);
        bed.write64(CMDQ_BASE, 1L << 62 | bed.cmdq | SmmuTestBed.CMDQ_LOG2);
        bed.write32(CMDQ_PROD, 0);
        bed.write32(CMDQ_CONS, 0);
        writeSync(CR0, CR0ACK, CR0_CMDQEN);
        issueWithSync(CFGI_STE_RANGE, 31);
        issueWithSync(TLBI_NSNH_ALL, 0);
        bed.write64(EVENTQ_BASE, 1L << 62 | bed.eventq | SmmuTestBed.EVENTQ_LOG2);
        bed.write32(0x100A8, 0);
        bed.write32(0x100AC, 0);
        writeSync(CR0, CR0ACK, CR0_CMDQEN | CR0_EVENTQEN);
        writeSync(IRQ_CTRL, IRQ_CTRLACK, 0);
        bed.write64(GERROR_IRQ_CFG0, 0x0808_0040L);
        bed.write32(GERROR_IRQ_CFG1, 1);
        bed.write32(GERROR_IRQ_CFG2, 1);
        bed.write64(EVENTQ_IRQ_CFG0, 0x0808_0040L);
        bed.write32(EVENTQ_IRQ_CFG1, 2);
        bed.write32(EVENTQ_IRQ_CFG2, 1);
        writeSync(IRQ_CTRL, IRQ_CTRLACK, IRQ_EVENTQ | IRQ_GERROR);
        writeSync(CR0, CR0ACK, CR0_CMDQEN | CR0_EVENTQEN | CR0_SMMUEN);
        assertEquals(0, bed.read32(GERROR));

        RequesterId rid = RequesterId.of(0, 1, 0);
        long l2 = bed.alloc(64 * 256, 64 * 256);
        PageTables pt = new PageTables(bed, Granule.G4K, 48);
        pt.map(0x10_0000L, 0x4F00_0000L, 3, PageTables.S1_RW);
        long cd = bed.alloc(64, 64);
        bed.writeWords(cd, SmmuTestBed.cd(pt.root(), 16, 0, 1));
        bed.writeWords(l2 + 64L * rid.devfn(), SmmuTestBed.steS1(cd, 0, 0, 0));
        bed.writeWords(l1, l2 | 9);
        issueWithSync(CFGI_STE | (long) rid.value() << 32, 0);

        assertEquals(Translation.ok(0x4F00_0040L, 0x1000 - 0x40),
                bed.smmu.translate(rid, SmmuV3.NO_PASID, 0x10_0040L, DmaDirection.WRITE));
        bed.smmu.translate(rid, SmmuV3.NO_PASID, 0x20_0000L, DmaDirection.READ);
        assertEquals(0x10 | (long) rid.value() << 32, bed.nextEvent()[0]);
        assertEquals(2, bed.msis.get(bed.msis.size() - 1).data());
    }
}
