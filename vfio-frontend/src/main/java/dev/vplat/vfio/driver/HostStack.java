package dev.vplat.vfio.driver;

import dev.vplat.iommu.smmuv3.SmmuV3;
import dev.vplat.iommu.smmuv3.SmmuV3Config;
import dev.vplat.iommu.mock.MockIommu;
import dev.vplat.iommu.vtd.VtdConfig;
import dev.vplat.iommu.vtd.VtdUnit;
import dev.vplat.pci.PciBridge;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.PciGroup;
import dev.vplat.pci.PciHost;
import dev.vplat.pci.RequesterId;
import dev.vplat.pci.dma.DmaRouting;
import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.machine.Machine;
import dev.vplat.pci.RequesterId;
import dev.vplat.vfio.hostiommu.SmmuV3HostDriver;
import dev.vplat.vfio.hostiommu.MockHostDriver;
import dev.vplat.vfio.hostiommu.VtdHostDriver;
import dev.vplat.vfio.iommu.DomainType;
import dev.vplat.vfio.iommu.HostIommu;
import dev.vplat.vfio.iommu.IommuCore;
import dev.vplat.vfio.iommu.UnitOwner;
import dev.vplat.vfio.kernel.HostKernel;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Boots the host stack on a realized machine, the way Linux comes up on it: host VT-d and SMMUv3
 * drivers bring their host-owned units up, mock units get the mock host driver, ACS is enabled and
 * IOMMU groups are formed from the PCI topology, every function is probed into the IOMMU core (its
 * group's default domain attached),
 * translation is enabled, and each device type's own DMA-API driver is bound (vfio-pci and
 * pci-stub are registered for every device). Guest-owned units are left at reset state: no host
 * driver touches them, and the devices behind them have no IOMMU group.
 *
 * <p>The stack registers itself, its {@link IommuCore} and {@link DriverCore} as HostKernel
 * services, and the {@code dma_owner_claims} counter.
 */
public final class HostStack {
    /** Fault events of host-owned units go to APIC 0, vectors from here up (one per unit). */
    static final int FAULT_VECTOR_BASE = 0x40;
    /** MSI data of the first host-owned SMMUv3's event queue; each unit takes two values (event queue, GERROR). */
    static final int SMMU_MSI_DATA_BASE = 0x60;

    private final HostKernel kernel;
    private final PciHost pci;
    private final Map<String, VtdHostDriver> vtdDrivers = new LinkedHashMap<>();
    private final Map<String, SmmuV3HostDriver> smmuDrivers = new LinkedHashMap<>();
    private final Map<String, MockHostDriver> mockDrivers = new LinkedHashMap<>();
    private final Map<String, UnitOwner> unitOwners = new LinkedHashMap<>();
    private final IommuCore iommu;
    private final DriverCore drivers;

    private HostStack(HostKernel kernel, PciHost pci, DomainType defaultDomain) {
        this.kernel = kernel;
        this.pci = pci;
        Machine machine = kernel.machine();
        DmaRouting routing = pci.dmaRouting();
        List<HostIommu> units = new ArrayList<>();
        for (VtdUnit unit : machine.components(VtdUnit.class)) {
            UnitOwner owner = unit.owner() == VtdConfig.Owner.HOST ? UnitOwner.HOST : UnitOwner.GUEST;
            unitOwners.put(unit.name(), owner);
            if (owner == UnitOwner.GUEST) {
                continue;
            }
            String id = unit.name();
            MsiMessage faultMsi = new MsiMessage(MsiMessage.X86_WINDOW_BASE, FAULT_VECTOR_BASE + vtdDrivers.size(), -1);
            VtdHostDriver driver = new VtdHostDriver(id, unit.config().base(), routedTo(routing, id),
                    machine, kernel.pages(), defaultDomain, faultMsi);
            driver.bringUp();
            vtdDrivers.put(id, driver);
            units.add(driver);
        }
        for (SmmuV3 unit : machine.components(SmmuV3.class)) {
            UnitOwner owner = unit.config().owner() == SmmuV3Config.Owner.HOST ? UnitOwner.HOST : UnitOwner.GUEST;
            unitOwners.put(unit.name(), owner);
            if (owner == UnitOwner.GUEST) {
                continue;
            }
            String id = unit.name();
            SmmuV3HostDriver driver = new SmmuV3HostDriver(id, unit.config().base(), routedTo(routing, id), machine,
                    kernel.pages(), defaultDomain, smmuMsiAddress(pci), SMMU_MSI_DATA_BASE + 2 * smmuDrivers.size());
            driver.bringUp();
            smmuDrivers.put(id, driver);
            units.add(driver);
        }
        for (MockIommu unit : machine.components(MockIommu.class)) {
            // The mock has no registers a guest could program: it is always the host's.
            unitOwners.put(unit.name(), UnitOwner.HOST);
            MockHostDriver driver = new MockHostDriver(unit, routedTo(routing, unit.name()), defaultDomain, machine.trace());
            mockDrivers.put(unit.name(), driver);
            units.add(driver);
        }
        iommu = new IommuCore(units, machine.trace());
        if (!units.isEmpty()) {
            pci.enableAcs();
        }
        Map<PciFunction, Integer> topologyGroup = new LinkedHashMap<>();
        for (PciGroup g : pci.groups()) {
            for (PciFunction f : g.functions()) {
                topologyGroup.put(f, g.id());
            }
        }
        drivers = new DriverCore(iommu, machine.trace());
        Set<String> types = new LinkedHashSet<>();
        for (PciFunction f : pci.functions()) {
            var device = iommu.addDevice(f.requesterId(), f.upstreamRequesterId(), topologyGroup.get(f));
            drivers.addDevice(new HostDevice(f.requesterId(), f.typeName(), device));
            if (hasOwnDriver(f)) {
                types.add(f.typeName());
            }
        }
        vtdDrivers.values().forEach(VtdHostDriver::enableTranslation);
        drivers.registerDriver(HostDriver.vfioPci());
        drivers.registerDriver(HostDriver.pciStub());
        types.forEach(t -> drivers.registerDriver(HostDriver.dmaApi(t)));
        for (PciFunction f : pci.functions()) {
            if (hasOwnDriver(f)) {
                drivers.bind(drivers.device(f.requesterId()), f.typeName());
            }
        }
        kernel.counter("dma_owner_claims", iommu::dmaOwnerClaims);
        kernel.provide(HostStack.class, this);
        kernel.provide(IommuCore.class, iommu);
        kernel.provide(DriverCore.class, drivers);
    }

    /**
     * Boots the stack with identity default domains (pass-through where the unit has ECAP.PT),
     * so DMA-API drivers and guests see untranslated DMA until a user claims a group.
     */
    public static HostStack boot(HostKernel kernel, PciHost pci) {
        return boot(kernel, pci, DomainType.IDENTITY);
    }

    /** @param defaultDomain IDENTITY or DMA: what groups behind host-owned units start in */
    public static HostStack boot(HostKernel kernel, PciHost pci, DomainType defaultDomain) {
        return new HostStack(kernel, pci, defaultDomain);
    }

    /** Whether DMA from a requester ID is routed to the unit named {@code unitId}. */
    private static Predicate<RequesterId> routedTo(DmaRouting routing, String unitId) {
        return rid -> {
            DmaRouting.Claim claim = routing.claimFor(rid);
            return claim != null && claim.owner().equals(unitId);
        };
    }

    /**
     * Where an SMMUv3's MSIs go: the host's MSI doorbell (on Arm {@code virt} the GIC ITS
     * GITS_TRANSLATER), the interrupt window on x86, or nowhere (0: MSIs stay disabled).
     */
    private static long smmuMsiAddress(PciHost pci) {
        if (pci.options().x86()) {
            return MsiMessage.X86_WINDOW_BASE;
        }
        return Math.max(pci.options().msiDoorbellBase(), 0);
    }

    /** Endpoints get their type's DMA-API driver; bridges and the host bridge get none. */
    private boolean hasOwnDriver(PciFunction f) {
        return !(f instanceof PciBridge) && f != pci.hostBridge();
    }

    public IommuCore iommu() {
        return iommu;
    }

    public DriverCore drivers() {
        return drivers;
    }

    public HostKernel kernel() {
        return kernel;
    }

    /** The host driver of a host-owned VT-d unit, or null. */
    public VtdHostDriver vtdDriver(String unitId) {
        return vtdDrivers.get(unitId);
    }

    /** The host driver of a host-owned SMMUv3, or null. */
    public SmmuV3HostDriver smmuDriver(String unitId) {
        return smmuDrivers.get(unitId);
    }

    /** The host driver of a mock unit of the machine, or null. */
    public MockHostDriver mockDriver(String unitId) {
        return mockDrivers.get(unitId);
    }

    /** The owner of every IOMMU unit of the machine, by unit id. */
    public Map<String, UnitOwner> unitOwners() {
        return Map.copyOf(unitOwners);
    }

    /**
     * Whether a guest-role MMIO write to {@code physAddr} is allowed: not when it falls in the
     * register window of a host-owned unit (the protocol server answers EACCES).
     */
    public boolean guestMayWrite(long physAddr) {
        return guestMayWrite(physAddr, 1);
    }

    /**
     * Whether a guest-role write of {@code length} bytes at {@code physAddr} touches no register
     * window of a host-owned unit — anywhere in the range, not just at its ends: a large fill
     * across a window must not reprogram the unit either.
     */
    public boolean guestMayWrite(long physAddr, long length) {
        for (VtdHostDriver d : vtdDrivers.values()) {
            if (overlaps(physAddr, length, d.base(), d.windowSize())) {
                return false;
            }
        }
        for (SmmuV3HostDriver d : smmuDrivers.values()) {
            if (overlaps(physAddr, length, d.base(), d.windowSize())) {
                return false;
            }
        }
        return true;
    }

    /** Whether [a, a+aLength) and [b, b+bLength) share a byte (lengths positive, no wrap). */
    static boolean overlaps(long a, long aLength, long b, long bLength) {
        return a < b + bLength && b < a + aLength;
    }
}
