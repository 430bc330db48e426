package dev.vplat.guest.suites;

import java.util.List;
import java.util.Optional;

/** The numbered guest-driver suites `vplat suite` knows, in order. */
public final class SuiteCatalog {
    /** One suite: its number, a short title, and the test classes that make it up. */
    public record Entry(int number, String title, List<Class<?>> classes) {
    }

    private static final List<Entry> SUITES = List.of(
            new Entry(1, "VT-d bring-up and DMA (edu, dmatest; Linux and kvm-unit-tests order)", List.of(VtdDmaSuite.class)),
            new Entry(2, "VT-d faults, fault events, invalidation granularity, strict detector",
                    List.of(VtdFaultSuite.class, VtdStrictSuite.class)),
            new Entry(3, "Interrupt remapping of MSI/MSI-X; INTx delivery", List.of(InterruptRemappingSuite.class)),
            new Entry(4, "DMA ownership over the protocol (iommufd/VFIO cdev, groups, drivers)", List.of(OwnershipSuite.class)),
            new Entry(5, "iommufd semantics on VT-d and mock domains", List.of(IommufdSuite.class, IommufdMockSuite.class)),
            new Entry(6, "VFIO legacy group/container path", List.of(VfioContainerSuite.class)),
            new Entry(7, "Protocol behaviour from a client's view", List.of(ProtocolSuite.class)),
            new Entry(8, "smmuv3: guest SMMUv3 driver on virt (DMA, events, invalidation, queues); iommufd/VFIO on virt",
                    List.of(SmmuV3DmaSuite.class, SmmuV3FaultSuite.class, SmmuV3QueueSuite.class,
                            SmmuV3WiredSuite.class, VirtVfioSuite.class)));

    private SuiteCatalog() {
    }

    public static List<Entry> all() {
        return SUITES;
    }

    public static Optional<Entry> byNumber(int number) {
        return SUITES.stream().filter(e -> e.number() == number).findFirst();
    }
}
