package dev.vplat.iommu.smmuv3;

import dev.vplat.iommu.UnitScope;
import dev.vplat.pci.RequesterId;
import dev.vplat.pci.dma.DmaDirection;
import dev.vplat.pci.dma.DmaStatus;
import dev.vplat.pci.dma.DmaTranslator;
import dev.vplat.pci.dma.Translation;
import dev.vplat.platform.machine.Lifecycle;
import dev.vplat.platform.machine.Machine;
import dev.vplat.platform.memory.AccessRules;
import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.platform.memory.MmioOps;
import dev.vplat.platform.memory.MmioRegion;
import dev.vplat.platform.regs.RegisterBank;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

import java.util.Locale;

/**
 * One Arm SMMUv3 (IHI 0070), modelled at register level: software programs it only through its
 * 128 KiB MMIO window and the tables and queues it places in guest RAM, exactly as Linux's
 * arm-smmu-v3 driver does. Device DMA reaches it through {@link DmaTranslator}, with the
 * requester ID as StreamID.
 *
 * <p>All state belongs to the machine thread. A failure inside the model is never thrown at a
 * device or CPU access: the unit enters Service Failure Mode instead (GERROR.SFM_ERR, all traffic
 * terminated, command and event processing stopped until reset; §12.3).
 */
public final class SmmuV3 implements DmaTranslator, Lifecycle, SmmuRegisters.Controller {
    /** Where QEMU's Arm {@code virt} machine places the unit. */
    public static final long VIRT_BASE = 0x0905_0000L;
    public static final int WINDOW_SIZE = SmmuRegisters.WINDOW_SIZE;
    /**
     * 32- and 64-bit aligned accesses (§6.2: 64-bit registers may also be accessed as halves);
     * other sizes are dropped and read 0.
     */
    public static final AccessRules ACCESS_RULES = new AccessRules(0b1100, true, 0);

    private final SmmuV3Config config;
    private final ConfigCache configCache = new ConfigCache();
    private final Iotlb tlb = new Iotlb();
    private String name = "smmuv3";
    private Trace trace;
    private SmmuRegisters regs;
    private TranslationPipeline pipeline;
    private SmmuInterrupts interrupts;
    private OutputQueue eventQueue;
    private OutputQueue priQueue;
    private CommandExecutor executor;
    private CommandQueue commandQueue;
    private MmioOps mmio;
    private MmioRegion region;
    private PageResponseListener pageResponses = (sid, ssv, ssid, prg, resp) -> { };
    private boolean serviceFailed;
    private long staleUses;

    /** A unit not yet in a machine; {@link #attach} wires it (the {@code arm-smmuv3} device type creates these). */
    public SmmuV3(SmmuV3Config config) {
        this.config = config;
    }

    /** Creates a unit and attaches it to {@code machine} under {@code id}. */
    public static SmmuV3 create(Machine machine, String id, SmmuV3Config config) {
        SmmuV3 unit = new SmmuV3(config);
        unit.attach(machine, id);
        return unit;
    }

    /**
     * Wires the unit into a machine: the register window at {@code config().base()}, tables and
     * queues through {@code machine.system()}, interrupts on {@code machine.interrupts()}, and the
     * unit as a component so that machine reset resets it.
     */
    public void attach(Machine machine, String id) {
        if (regs != null) {
            throw new IllegalStateException(name + " is already attached");
        }
        GuestMemory memory = machine.system();
        this.name = id;
        this.trace = machine.trace();
        this.regs = new SmmuRegisters(id, config, trace, this);
        this.interrupts = new SmmuInterrupts(id, config, regs, memory, machine.interrupts(), trace);
        this.pipeline = new TranslationPipeline(config, regs, memory, configCache, tlb);
        this.eventQueue = new OutputQueue(regs, regs.eventqBase, regs.eventqProd, regs.eventqCons,
                SmmuRegisters.CR0_EVENTQEN, 32, 19, SmmuRegisters.GERROR_EVENTQ_ABT,
                () -> interrupts.signalQueue(SmmuRegisters.IRQ_EVENTQ, regs.eventqIrqCfg0, regs.eventqIrqCfg1,
                        SmmuInterrupts.LINE_EVENTQ, SmmuRegisters.GERROR_MSI_EVENTQ_ABT), interrupts, memory);
        this.priQueue = new OutputQueue(regs, regs.priqBase, regs.priqProd, regs.priqCons,
                SmmuRegisters.CR0_PRIQEN, 16, 19, SmmuRegisters.GERROR_PRIQ_ABT,
                () -> interrupts.signalQueue(SmmuRegisters.IRQ_PRIQ, regs.priqIrqCfg0, regs.priqIrqCfg1,
                        SmmuInterrupts.LINE_PRIQ, SmmuRegisters.GERROR_MSI_PRIQ_ABT), interrupts, memory);
        this.executor = new CommandExecutor(id, config, configCache, tlb, interrupts, trace);
        executor.pageResponseListener(pageResponses);
        this.commandQueue = new CommandQueue(config, regs, memory, interrupts, executor);
        this.mmio = new MmioOps() {
            @Override
            public long read(long offset, int size) {
                return regs.bank().read(SmmuRegisters.canonicalOffset(offset), size);
            }

            @Override
            public void write(long offset, int size, long value) {
                guarded(() -> regs.bank().write(SmmuRegisters.canonicalOffset(offset), size, value));
            }
        };
        this.region = machine.addMmio(id, config.base(), WINDOW_SIZE, ACCESS_RULES, mmio);
        machine.add(id, this);
    }

    /** The requester IDs the PCI layer should route to this unit. */
    public UnitScope scope() {
        return config.scope();
    }

    /** The mapped register window (null before {@link #attach}). */
    public MmioRegion region() {
        return region;
    }

    public String name() {
        return name;
    }

    public SmmuV3Config config() {
        return config;
    }

    /** The register window's device side, to map at the unit's base. */
    public MmioOps mmio() {
        return mmio;
    }

    /** The declared registers, for traces and inspection; guests must go through {@link #mmio()}. */
    public RegisterBank registers() {
        return regs.bank();
    }

    @Override
    public Translation translate(RequesterId rid, int pasid, long iova, DmaDirection direction) {
        return translateStream(rid.value(), pasid, iova, direction);
    }

    /** Translates for any StreamID, including ones wider than a PCI requester ID. */
    public Translation translateStream(long streamId, int pasid, long iova, DmaDirection direction) {
        if (regs == null) {
            throw new IllegalStateException(name + " is not attached to a machine");
        }
        if (serviceFailed) {
            return Translation.translationFault();
        }
        try {
            TranslationPipeline.Result r = pipeline.translate(streamId, pasid, iova, direction, true);
            if (config.strict() && r.usedCache()) {
                checkAgainstTables(streamId, pasid, iova, direction, r);
            }
            if (r.event() != null) {
                recordEvent(r.event());
            }
            if (r.ok()) {
                return Translation.ok(r.address(), r.contiguous());
            }
            return r.status() == DmaStatus.PERMISSION_FAULT ? Translation.permissionFault() : Translation.translationFault();
        } catch (RuntimeException e) {
            enterServiceFailure(e);
            return Translation.translationFault();
        }
    }

    /**
     * Sends a PCIe page request to the PRI queue (§8), as a device's PRI capability would; the
     * answer arrives through the {@link PageResponseListener} when software issues CMD_PRI_RESP.
     * Returns false when the request did not reach the queue (PRI off, queue disabled or full).
     */
    public boolean requestPage(long streamId, int pasid, long address, boolean read, boolean write, boolean privileged,
                               int prgIndex, boolean last) {
        if (!config.pri() || serviceFailed) {
            return false;
        }
        boolean ssv = pasid != NO_PASID;
        long dw0 = (streamId & 0xFFFF_FFFFL) | (ssv ? (pasid & 0xF_FFFFL) << 32 | 1L << 63 : 0)
                | (privileged ? 1L << 58 : 0) | (read ? 1L << 60 : 0) | (write ? 1L << 61 : 0) | (last ? 1L << 62 : 0);
        long dw1 = (prgIndex & 0x1FFL) | (address & 0xFFFF_FFFF_FFFF_F000L);
        return priQueue.append(new long[] {dw0, dw1});
    }

    public void pageResponseListener(PageResponseListener listener) {
        pageResponses = listener;
        if (executor != null) {
            executor.pageResponseListener(listener);
        }
    }

    /** Uses of a cached translation that the tables no longer give (strict mode only). */
    public long staleUses() {
        return staleUses;
    }

    public long eventsRecorded() {
        return eventQueue.written();
    }

    /** Events lost: event queue disabled, full (overflow) or not in RAM. */
    public long eventsDiscarded() {
        return eventQueue.discarded();
    }

    public long commandsConsumed() {
        return commandQueue.consumed();
    }

    public int tlbEntries() {
        return tlb.size();
    }

    public int cachedStreamTableEntries() {
        return configCache.steCount();
    }

    public int cachedContextDescriptors() {
        return configCache.cdCount();
    }

    public boolean inServiceFailureMode() {
        return serviceFailed;
    }

    /** Reset values in every register, caches and TLB empty, Service Failure Mode left (§6.3). */
    @Override
    public void reset() {
        if (regs == null) {
            return;
        }
        regs.bank().reset();
        configCache.clear();
        tlb.clear();
        serviceFailed = false;
    }

    // ---- register side effects

    @Override
    public void cr0Written(long value) {
        boolean cmdqWasOn = regs.enabled(SmmuRegisters.CR0_CMDQEN);
        regs.cr0ack.set(value);
        if (!cmdqWasOn) {
            commandQueue.process(serviceFailed);
        }
    }

    @Override
    public void cmdqProdWritten() {
        commandQueue.process(serviceFailed);
    }

    @Override
    public void gerrornWritten(long oldValue) {
        boolean wasActive = ((regs.gerror.value() ^ oldValue) & 1) != 0;
        if (wasActive && !regs.gerrorActive(SmmuRegisters.GERROR_CMDQ_ERR)) {
            commandQueue.process(serviceFailed);
        }
    }

    // ---- internals

    private void recordEvent(SmmuEvent event) {
        if (trace.on(TraceCategory.IOMMU)) {
            trace.line(TraceCategory.IOMMU, name, String.format(Locale.ROOT, "event %s sid=0x%x ssv=%b ssid=0x%x addr=0x%x",
                    event.type(), event.streamId(), event.ssv(), event.substreamId(), event.inputAddr()));
        }
        eventQueue.append(event.encode());
    }

    private void checkAgainstTables(long sid, int pasid, long iova, DmaDirection dir, TranslationPipeline.Result cached) {
        TranslationPipeline.Result fresh = pipeline.translate(sid, pasid, iova, dir, false);
        boolean same = fresh.status() == cached.status() && (!fresh.ok() || fresh.address() == cached.address());
        if (!same) {
            staleUses++;
            trace.line(TraceCategory.IOMMU, name, String.format(Locale.ROOT,
                    "strict: stale cached translation sid=0x%x pasid=%d iova=0x%x %s: cache says %s 0x%x, tables say %s 0x%x",
                    sid, pasid, iova, dir, cached.status(), cached.address(), fresh.status(), fresh.address()));
        }
    }

    private void guarded(Runnable access) {
        try {
            access.run();
        } catch (RuntimeException e) {
            enterServiceFailure(e);
        }
    }

    private void enterServiceFailure(RuntimeException cause) {
        serviceFailed = true;
        trace.line(TraceCategory.IOMMU, name, "service failure mode: " + cause);
        interrupts.activateError(SmmuRegisters.GERROR_SFM);
    }
}
