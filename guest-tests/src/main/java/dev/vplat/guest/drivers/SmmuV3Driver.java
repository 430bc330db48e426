package dev.vplat.guest.drivers;

import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.pci.Bdf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static dev.vplat.guest.drivers.SmmuV3Regs.*;

/**
 * A guest driver for one guest-owned Arm SMMUv3, written the way Linux's
 * drivers/iommu/arm/arm-smmu-v3/arm-smmu-v3.c drives the hardware, over a guest session:
 *
 * <ul>
 *   <li>{@link #bringUp} is arm_smmu_device_probe (fact sheet iommu-hw.md §B.16): probe the ID
 *       registers, allocate the command queue, the event queue and a <b>linear</b> stream table
 *       (every STE an abort STE), then arm_smmu_device_reset — GBPA.ABORT if the unit is found
 *       enabled, CR0 ← 0, CR1/CR2, STRTAB_BASE/_CFG, the command queue and CMDQEN,
 *       CFGI_ALL (+ TLBI_EL2_ALL) + TLBI_NSNH_ALL each closed by a CMD_SYNC, the event queue and
 *       EVENTQEN, the interrupts, SMMUEN — each CR0 and IRQ_CTRL write polled until acknowledged;</li>
 *   <li>commands in batches published by one CMDQ_PROD write, waiting for space when the ring is
 *       full, and closed by a CMD_SYNC whose completion is polled as Linux does: with MSIs on a
 *       coherent unit ("MSIPOLL") the sync writes MSIData 0 over its own slot, otherwise the
 *       driver watches CMDQ_CONS;</li>
 *   <li>STEs (bypass, abort, stage 1 through a one-entry CD table) and CDs written with the
 *       CFGI_STE / CFGI_CD + CMD_SYNC each change needs, stage 1 domains with AArch64 4 KiB tables
 *       in guest memory ({@link Stage1Table}), unmap with CMD_TLBI_NH_VA + CMD_SYNC;</li>
 *   <li>{@link #readEvents} (arm_smmu_evtq_thread) and {@link #handleGlobalErrors}
 *       (arm_smmu_gerror_handler, which skips an illegal command as __arm_smmu_cmdq_skip_err).</li>
 * </ul>
 *
 * Every poll gives up after {@link #POLL_LIMIT} reads and throws, where Linux times out after
 * ARM_SMMU_POLL_TIMEOUT_US.
 */
public final class SmmuV3Driver {
    static final int POLL_LIMIT = 1000;

    /**
     * Sizes the driver allocates: a linear stream table of 2^{@code streamTableBits} STEs (Linux
     * covers all of IDR1.SIDSIZE; a smaller table leaves higher StreamIDs out of range) and
     * rings of 2^{@code cmdqLog2} commands and 2^{@code eventqLog2} event records.
     */
    public record Geometry(int streamTableBits, int cmdqLog2, int eventqLog2) {
        /** 256 STEs (bus 0), 256 commands, 128 events: one page per ring, four pages of STEs. */
        public static final Geometry DEFAULT = new Geometry(8, 8, 7);
    }

    /** How a CMD_SYNC's completion is observed. */
    public enum SyncMode {
        /** CS = SIG_IRQ with MSIData 0 to the sync's own slot, polled for 0 (IDR0.MSI and COHACC). */
        MSI_POLL,
        /** CS = SIG_SEV, CMDQ_CONS polled until it passes the sync. */
        CONS_POLL
    }

    /** One command error the GERROR handler found: the CMDQ_CONS.ERR code, the slot and the command there. */
    public record CommandFault(int code, int consIndex, SmmuCommand command) {
    }

    private final VplatClient guest;
    private final long base;
    private final GuestPageAllocator pages;
    private final Map<Integer, Long> cdTables = new HashMap<>();
    private final List<CommandFault> commandFaults = new ArrayList<>();
    private int idr0, idr1, idr3, idr5;
    private int oas;
    private Geometry geometry;
    private SyncMode syncMode;
    private long streamTable;
    private long cmdq;
    private int cmdqProd;
    /** The last CMDQ_CONS read: the ring is re-read only when this says it is full. */
    private int cmdqConsSeen;
    private long eventq;
    private int eventqCons;
    private int overflowFlag;
    private long overflows;
    private int nextAsid = 1;

    public SmmuV3Driver(VplatClient guest, long base, GuestPageAllocator pages) {
        this.guest = guest;
        this.base = base;
        this.pages = pages;
    }

    public long base() {
        return base;
    }

    public int readl(int offset) {
        return guest.readl(base + offset);
    }

    public long readq(int offset) {
        return guest.readq(base + offset);
    }

    private void writel(int offset, int value) {
        guest.writel(base + offset, value);
    }

    private void writeq(int offset, long value) {
        guest.writeq(base + offset, value);
    }

    public int idr0() {
        return idr0;
    }

    public Geometry geometry() {
        return geometry;
    }

    public SyncMode syncMode() {
        return syncMode;
    }

    /** Guest-physical address of the linear stream table. */
    public long streamTable() {
        return streamTable;
    }

    /** Guest-physical address of the command ring. */
    public long commandQueue() {
        return cmdq;
    }

    /** Guest-physical address of the event ring. */
    public long eventQueue() {
        return eventq;
    }

    /** The driver's CMDQ_PROD (wrap flag and index) after the last publish. */
    public int commandQueueProd() {
        return cmdqProd;
    }

    // ------------------------------------------------------------------ bring-up

    /** {@link #bringUp(Geometry, long, int, int)} with {@link Geometry#DEFAULT}. */
    public void bringUp(long msiAddress, int eventqMsiData, int gerrorMsiData) {
        bringUp(Geometry.DEFAULT, msiAddress, eventqMsiData, gerrorMsiData);
    }

    /**
     * Probe, allocation and arm_smmu_device_reset in Linux's order (see the class doc). The event
     * queue and GERROR interrupts are MSIs to {@code msiAddress} (0 leaves them disabled) with the
     * given data.
     */
    public void bringUp(Geometry g, long msiAddress, int eventqMsiData, int gerrorMsiData) {
        hwProbe(g);
        geometry = g;
        cmdq = pages.alloc((long) CMD_BYTES << g.cmdqLog2(), Math.max(GuestPageAllocator.PAGE_SIZE, (long) CMD_BYTES << g.cmdqLog2()));
        eventq = pages.alloc((long) EVT_BYTES << g.eventqLog2(), Math.max(GuestPageAllocator.PAGE_SIZE, (long) EVT_BYTES << g.eventqLog2()));
        long strtabBytes = (long) STE_BYTES << g.streamTableBits();
        streamTable = pages.alloc(strtabBytes, Math.max(GuestPageAllocator.PAGE_SIZE, strtabBytes));
        for (int sid = 0; sid < 1 << g.streamTableBits(); sid++) {
            guest.writeq(steAddress(sid), abortSte()[0]);
        }
        cdTables.clear();
        deviceReset(msiAddress, eventqMsiData, gerrorMsiData);
    }

    /** arm_smmu_device_hw_probe: the checks Linux makes before it touches anything. */
    private void hwProbe(Geometry g) {
        idr0 = readl(IDR0);
        idr1 = readl(IDR1);
        idr3 = readl(IDR3);
        idr5 = readl(IDR5);
        if (idr0 == -1 && idr1 == -1) {
            throw new IllegalStateException("no SMMUv3 at 0x" + Long.toHexString(base) + " (IDR0/IDR1 read all-ones)");
        }
        require(littleEndianTables(idr0), "only big-endian table walks (IDR0.TTENDIAN)");
        require(s1p(idr0), "no stage 1 (IDR0.S1P), which this driver translates with");
        require(aarch64Tables(idr0), "no AArch64 table format (IDR0.TTF)");
        require(!presetOrRelative(idr1), "preset or relative table/queue bases (IDR1)");
        require(gran4k(idr5), "no 4 KiB granule (IDR5.GRAN4K)");
        require(g.cmdqLog2() <= cmdqShift(idr1), "command queue larger than IDR1.CMDQS");
        require(g.eventqLog2() <= eventqShift(idr1), "event queue larger than IDR1.EVENTQS");
        require(g.streamTableBits() <= sidSize(idr1), "stream table larger than IDR1.SIDSIZE");
        oas = Math.min(oasBits(idr5), 48);
        syncMode = msi(idr0) && coherent(idr0) ? SyncMode.MSI_POLL : SyncMode.CONS_POLL;
    }

    private static void require(boolean ok, String why) {
        if (!ok) {
            throw new IllegalStateException("SMMUv3 unusable: " + why);
        }
    }

    private void deviceReset(long msiAddress, int eventqMsiData, int gerrorMsiData) {
        if ((readl(CR0) & CR0_SMMUEN) != 0) {
            updateGbpa(GBPA_ABORT, 0);
        }
        writeSync(CR0, CR0ACK, 0);
        writel(CR1, CR1_ISH_WB);
        writel(CR2, CR2_PTM | CR2_RECINVSID);
        writeq(STRTAB_BASE, STRTAB_BASE_RA | streamTable);
        writel(STRTAB_BASE_CFG, geometry.streamTableBits());
        writeq(CMDQ_BASE, Q_BASE_RWA | cmdq | geometry.cmdqLog2());
        writel(CMDQ_PROD, 0);
        writel(CMDQ_CONS, 0);
        cmdqProd = 0;
        cmdqConsSeen = 0;
        int enables = CR0_CMDQEN;
        writeSync(CR0, CR0ACK, enables);
        issue(SmmuCommand.cfgiAll());
        if (hyp(idr0)) {
            issue(SmmuCommand.tlbiEl2All());
        }
        issue(SmmuCommand.tlbiNsnhAll());
        writeq(EVENTQ_BASE, Q_BASE_RWA | eventq | geometry.eventqLog2());
        writel(EVENTQ_PROD, 0);
        writel(EVENTQ_CONS, 0);
        eventqCons = 0;
        overflowFlag = 0;
        enables |= CR0_EVENTQEN;
        writeSync(CR0, CR0ACK, enables);
        setUpIrqs(msiAddress, eventqMsiData, gerrorMsiData);
        enables |= CR0_SMMUEN;
        writeSync(CR0, CR0ACK, enables);
    }

    /** arm_smmu_update_gbpa: wait for Update = 0, write the value with Update, wait again. */
    private void updateGbpa(int set, int clear) {
        poll("GBPA.Update to clear", () -> (readl(GBPA) & GBPA_UPDATE) == 0);
        writel(GBPA, (readl(GBPA) & ~clear) | set | GBPA_UPDATE);
        poll("GBPA.Update to clear", () -> (readl(GBPA) & GBPA_UPDATE) == 0);
    }

    /** arm_smmu_setup_irqs with arm_smmu_write_msi_msg for the event queue and GERROR. */
    private void setUpIrqs(long msiAddress, int eventqMsiData, int gerrorMsiData) {
        writeSync(IRQ_CTRL, IRQ_CTRLACK, 0);
        writeq(GERROR_IRQ_CFG0, 0);
        writeq(EVENTQ_IRQ_CFG0, 0);
        if (pri(idr0)) {
            writeq(PRIQ_IRQ_CFG0, 0);
        }
        if (msi(idr0) && msiAddress != 0) {
            writeq(EVENTQ_IRQ_CFG0, msiAddress & 0x000F_FFFF_FFFF_FFFCL);
            writel(EVENTQ_IRQ_CFG1, eventqMsiData);
            writel(EVENTQ_IRQ_CFG2, MEMATTR_DEVICE_NGNRE);
            writeq(GERROR_IRQ_CFG0, msiAddress & 0x000F_FFFF_FFFF_FFFCL);
            writel(GERROR_IRQ_CFG1, gerrorMsiData);
            writel(GERROR_IRQ_CFG2, MEMATTR_DEVICE_NGNRE);
        }
        writeSync(IRQ_CTRL, IRQ_CTRLACK, IRQ_CTRL_EVTQ_IRQEN | IRQ_CTRL_GERROR_IRQEN);
    }

    /** arm_smmu_write_reg_sync: write, then poll the ACK register until it reads the same. */
    private void writeSync(int offset, int ack, int value) {
        writel(offset, value);
        poll(String.format("register 0x%x to acknowledge 0x%x", ack, value), () -> readl(ack) == value);
    }

    // ------------------------------------------------------------------ command queue

    /** Issues {@code commands} followed by a CMD_SYNC and waits for the sync to complete. */
    public void issue(SmmuCommand... commands) {
        int syncIndex = enqueue(commands, true);
        awaitSync(syncIndex);
    }

    /**
     * Writes {@code commands} into the ring and publishes them with CMDQ_PROD, without a sync and
     * without waiting: what a test needs to look at the unit's state right after a bad command.
     */
    public void publish(SmmuCommand... commands) {
        enqueue(commands, false);
    }

    /** Places the commands (and a closing sync) from PROD on, publishing whenever the ring fills; the sync's index. */
    private int enqueue(SmmuCommand[] commands, boolean withSync) {
        int n = commands.length + (withSync ? 1 : 0);
        int syncIndex = -1;
        for (int i = 0; i < n; i++) {
            awaitSpace();
            long slot = cmdSlot(cmdqProd);
            SmmuCommand c = i < commands.length ? commands[i] : syncCommand(slot);
            if (i == commands.length) {
                syncIndex = cmdqProd;
            }
            guest.writeq(slot, c.dw0());
            guest.writeq(slot + 8, c.dw1());
            cmdqProd = nextIndex(cmdqProd, geometry.cmdqLog2());
            if (ringFull(cmdqProd, cmdqConsSeen, geometry.cmdqLog2())) {
                writel(CMDQ_PROD, cmdqProd);
            }
        }
        writel(CMDQ_PROD, cmdqProd);
        return syncIndex;
    }

    private SmmuCommand syncCommand(long slot) {
        return syncMode == SyncMode.MSI_POLL ? SmmuCommand.sync(SYNC_CS_IRQ, slot, 0) : SmmuCommand.sync(SYNC_CS_SEV, 0, 0);
    }

    /** Waits until the ring has a free slot, running the GERROR handler if a command error stalls it. */
    private void awaitSpace() {
        if (!ringFull(cmdqProd, cmdqConsSeen, geometry.cmdqLog2())) {
            return;
        }
        poll("a free command queue slot", () -> {
            cmdqConsSeen = cmdqCons();
            if (!ringFull(cmdqProd, cmdqConsSeen, geometry.cmdqLog2())) {
                return true;
            }
            recoverFromCommandError();
            return false;
        });
    }

    /** __arm_smmu_cmdq_poll_until_msi / _until_consumed, with the GERROR handler run when CMDQ_ERR is active. */
    private void awaitSync(int syncIndex) {
        long slot = cmdSlot(syncIndex);
        poll("CMD_SYNC completion", () -> {
            boolean done = syncMode == SyncMode.MSI_POLL ? guest.readl(slot) == 0 : consumedPast(syncIndex);
            if (done && syncMode == SyncMode.MSI_POLL) {
                cmdqConsSeen = nextIndex(syncIndex, geometry.cmdqLog2());
            }
            if (!done) {
                recoverFromCommandError();
            }
            return done;
        });
    }

    private void recoverFromCommandError() {
        if (((readl(GERROR) ^ readl(GERRORN)) & GERROR_CMDQ_ERR) != 0) {
            handleGlobalErrors();
        }
    }

    /** Whether CMDQ_CONS has moved past {@code index} (the queue_consumed test, with wrap). */
    private boolean consumedPast(int index) {
        int mask = (2 << geometry.cmdqLog2()) - 1;
        cmdqConsSeen = cmdqCons();
        return ((cmdqConsSeen - index - 1) & mask) < 1 << geometry.cmdqLog2();
    }

    private int cmdqCons() {
        return readl(CMDQ_CONS) & ((2 << geometry.cmdqLog2()) - 1);
    }

    private long cmdSlot(int index) {
        return cmdq + (long) (index & ((1 << geometry.cmdqLog2()) - 1)) * CMD_BYTES;
    }

    static boolean ringFull(int prod, int cons, int log2) {
        int mask = (2 << log2) - 1;
        return ((prod ^ cons) & mask) == 1 << log2;
    }

    static boolean ringEmpty(int prod, int cons, int log2) {
        int mask = (2 << log2) - 1;
        return ((prod ^ cons) & mask) == 0;
    }

    static int nextIndex(int index, int log2) {
        return (index + 1) & ((2 << log2) - 1);
    }

    // ------------------------------------------------------------------ global errors and events

    /**
     * arm_smmu_gerror_handler: the active errors are the GERROR bits that differ from GERRORN; a
     * command error is skipped as __arm_smmu_cmdq_skip_err does (an illegal command is overwritten
     * with a CMD_SYNC; an abort on fetch is just retried) and recorded in {@link #commandFaults};
     * then GERRORN ← GERROR acknowledges everything, which restarts the command queue.
     * Returns the bits that were active.
     */
    public int handleGlobalErrors() {
        int gerror = readl(GERROR);
        int active = (gerror ^ readl(GERRORN)) & GERROR_ERR_MASK;
        if (active == 0) {
            return 0;
        }
        if ((active & GERROR_CMDQ_ERR) != 0) {
            skipCommandError();
        }
        writel(GERRORN, gerror);
        return active;
    }

    private void skipCommandError() {
        int cons = readl(CMDQ_CONS);
        int code = (cons & CMDQ_CONS_ERR_MASK) >>> CMDQ_CONS_ERR_SHIFT;
        int index = cons & ((2 << geometry.cmdqLog2()) - 1);
        long slot = cmdSlot(index);
        commandFaults.add(new CommandFault(code, index, new SmmuCommand(guest.readq(slot), guest.readq(slot + 8))));
        if (code == CERROR_ILL) {
            SmmuCommand sync = SmmuCommand.sync(SYNC_CS_NONE, 0, 0);
            guest.writeq(slot, sync.dw0());
            guest.writeq(slot + 8, sync.dw1());
        }
    }

    /** Command errors the GERROR handler skipped, oldest first. */
    public List<CommandFault> commandFaults() {
        return List.copyOf(commandFaults);
    }

    /**
     * arm_smmu_evtq_thread: every record from CONS up to PROD, oldest first, CONS moved after
     * each; an overflow (PROD.OVFLG toggled) is counted and acknowledged by copying OVFLG into
     * CONS.OVACKFLG (queue_sync_cons_ovf).
     */
    public List<SmmuEventRecord> readEvents() {
        List<SmmuEventRecord> records = new ArrayList<>();
        int log2 = geometry.eventqLog2();
        int mask = (2 << log2) - 1;
        int prod;
        do {
            prod = readl(EVENTQ_PROD);
            while (!ringEmpty(prod, eventqCons, log2)) {
                long slot = eventq + (long) (eventqCons & ((1 << log2) - 1)) * EVT_BYTES;
                long[] dw = new long[4];
                for (int i = 0; i < 4; i++) {
                    dw[i] = guest.readq(slot + 8L * i);
                }
                records.add(SmmuEventRecord.of(dw));
                eventqCons = nextIndex(eventqCons, log2);
                writel(EVENTQ_CONS, overflowFlag | eventqCons);
            }
            if ((prod & Q_OVERFLOW_FLAG) != overflowFlag) {
                overflowFlag = prod & Q_OVERFLOW_FLAG;
                overflows++;
            }
        } while (!ringEmpty(readl(EVENTQ_PROD) & mask, eventqCons, log2));
        writel(EVENTQ_CONS, overflowFlag | eventqCons);
        return records;
    }

    /** Overflows {@link #readEvents} found ("EVTQ overflow detected -- events lost"). */
    public long eventOverflows() {
        return overflows;
    }

    // ------------------------------------------------------------------ STEs, CDs, domains

    public long steAddress(int sid) {
        return streamTable + (long) sid * STE_BYTES;
    }

    /** The STE of {@code sid} as the table holds it now. */
    public long[] ste(int sid) {
        long[] ste = new long[8];
        for (int i = 0; i < 8; i++) {
            ste[i] = guest.readq(steAddress(sid) + 8L * i);
        }
        return ste;
    }

    /** arm_smmu_make_abort_ste: V = 1, Config = abort — aborts without an event. */
    public static long[] abortSte() {
        long[] ste = new long[8];
        ste[0] = STE_V | STE_CFG_ABORT << 1;
        return ste;
    }

    /** arm_smmu_make_bypass_ste: V = 1, Config = bypass. */
    public static long[] bypassSte() {
        long[] ste = new long[8];
        ste[0] = STE_V | STE_CFG_BYPASS << 1;
        return ste;
    }

    /**
     * arm_smmu_make_cdtable_ste: stage 1 through a linear table of one CD (S1CDMax = 0), CD fetches
     * write-back inner-shareable, S1DSS = SSID0 (unused without substreams).
     */
    public static long[] stage1Ste(long cdTable) {
        long[] ste = new long[8];
        ste[0] = STE_V | STE_CFG_S1_TRANS << 1 | (cdTable & 0x00FF_FFFF_FFFF_FFC0L);
        ste[1] = 2 | 1L << 2 | 1L << 4 | 3L << 6;
        return ste;
    }

    /**
     * arm_smmu_make_s1_cd: TTB0 only (EPD1), T0SZ = 16 (48-bit input), 4 KiB granule, write-back
     * inner-shareable walks, IPS = the unit's output size, AArch64, faults recorded (R) and aborted
     * (A), non-shared ASID set, the ASID, TTB0 and io-pgtable-arm's MAIR.
     */
    public long[] contextDescriptor(int asid, long ttb0) {
        long[] cd = new long[8];
        cd[0] = (64 - Stage1Table.INPUT_BITS) | 1L << 8 | 1L << 10 | 3L << 12 | 1L << 30 | 1L << 31
                | (long) ipsCode(oas) << 32 | 1L << 41 | 1L << 45 | 1L << 46 | 1L << 47 | (long) asid << 48;
        cd[1] = ttb0 & 0x000F_FFFF_FFFF_FFF0L;
        cd[3] = MAIR;
        return cd;
    }

    /**
     * Rewrites an STE as arm_smmu_write_ste does for a change that cannot be made in one qword:
     * V cleared first (CFGI_STE + SYNC), qwords 1–7, then qword 0 (CFGI_STE + SYNC). An STE that
     * is not valid yet, or where only qword 0 changes, is written directly and then invalidated.
     */
    public void writeSte(int sid, long[] ste) {
        long[] old = ste(sid);
        boolean breaking = (old[0] & STE_V) != 0 && !Arrays.equals(old, 1, 8, ste, 1, 8);
        if (breaking) {
            guest.writeq(steAddress(sid), 0);
            issue(SmmuCommand.cfgiSte(sid));
        }
        writeSteWithoutInvalidation(sid, ste);
        issue(SmmuCommand.cfgiSte(sid));
    }

    /** Writes the STE into the table (qwords 1–7, then qword 0) and nothing else: the unit may keep a cached copy. */
    public void writeSteWithoutInvalidation(int sid, long[] ste) {
        for (int i = 1; i < 8; i++) {
            guest.writeq(steAddress(sid) + 8L * i, ste[i]);
        }
        guest.writeq(steAddress(sid), ste[0]);
    }

    public void setBypass(Bdf device) {
        writeSte(device.rid(), bypassSte());
    }

    public void setAbort(Bdf device) {
        writeSte(device.rid(), abortSte());
    }

    /** A stage 1 domain with a fresh ASID (from 1) and an empty table. */
    public SmmuV3Domain createDomain() {
        int asid = nextAsid++;
        if (asid >= (asid16(idr0) ? 1 << 16 : 1 << 8)) {
            throw new IllegalStateException("no free ASID");
        }
        return new SmmuV3Domain(asid, new Stage1Table(guest, pages));
    }

    /** The device's one-entry CD table (allocated on first attach). */
    public long cdTable(Bdf device) {
        return cdTables.computeIfAbsent(device.rid(), sid -> pages.allocPage());
    }

    /**
     * arm_smmu_attach_dev for a stage 1 domain: the device's CD gets the domain's ASID and table
     * (CFGI_CD + SYNC), then its STE points at the CD table (see {@link #writeSte}).
     */
    public void attach(SmmuV3Domain domain, Bdf device) {
        long cdTable = cdTable(device);
        writeCd(device, contextDescriptor(domain.asid(), domain.table().root()));
        writeSte(device.rid(), stage1Ste(cdTable));
    }

    /** Writes the device's CD (qwords 1–7, then qword 0) and invalidates it with CFGI_CD + SYNC. */
    public void writeCd(Bdf device, long[] cd) {
        writeCdWithoutInvalidation(device, cd);
        issue(SmmuCommand.cfgiCd(device.rid(), 0));
    }

    /** Writes the device's CD and nothing else: the unit may keep a cached copy. */
    public void writeCdWithoutInvalidation(Bdf device, long[] cd) {
        long at = cdTable(device);
        for (int i = 1; i < 8; i++) {
            guest.writeq(at + 8L * i, cd[i]);
        }
        guest.writeq(at, cd[0]);
    }

    /** Maps pages into the domain. New mappings need no invalidation (the unit never caches a fault), as in Linux. */
    public void map(SmmuV3Domain domain, long iova, long pa, long size, boolean write) {
        domain.table().map(iova, pa, size, write);
    }

    /** Unmaps pages and invalidates each with CMD_TLBI_NH_VA (Leaf, the domain's ASID), then CMD_SYNC. */
    public void unmap(SmmuV3Domain domain, long iova, long size) {
        domain.table().unmap(iova, size);
        List<SmmuCommand> tlbis = new ArrayList<>();
        for (long off = 0; off < size; off += GuestPageAllocator.PAGE_SIZE) {
            tlbis.add(SmmuCommand.tlbiNhVa(domain.asid(), iova + off));
        }
        issue(tlbis.toArray(new SmmuCommand[0]));
    }

    // ------------------------------------------------------------------ helpers

    private static void poll(String what, BooleanSupplier condition) {
        for (int i = 0; i < POLL_LIMIT; i++) {
            if (condition.getAsBoolean()) {
                return;
            }
        }
        throw new IllegalStateException("SMMUv3: timed out waiting for " + what);
    }
}
