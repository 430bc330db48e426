package dev.vplat.pci.sdk;

/**
 * A capability a device declares. The bus lays standard capabilities out from 0x40 (or at the
 * offset given) and extended ones from 0x100, links the lists, sets the access masks and
 * implements the behaviour (MSI/MSI-X delivery and masking, FLR, ACS/ATS/PASID/PRI controls).
 * Offsets of 0 mean "next free place".
 */
public sealed interface CapabilitySpec {
    /** Whether this lives in PCIe extended configuration space (0x100 and up). */
    default boolean extended() {
        return false;
    }

    /** Requested offset, or 0 for automatic placement. */
    int offset();

    /**
     * MSI (PCI Local Bus spec §6.8.1).
     *
     * @param vectors power of two 1..32 (Multiple Message Capable)
     * @param address64 64-bit message address capable
     * @param perVectorMask per-vector masking capable (mask and pending registers)
     */
    record Msi(int vectors, boolean address64, boolean perVectorMask, int offset) implements CapabilitySpec {
        public Msi {
            if (vectors < 1 || vectors > 32 || Integer.bitCount(vectors) != 1) {
                throw new IllegalArgumentException("MSI vector count must be a power of two in 1..32");
            }
        }
    }

    /**
     * MSI-X (PCI Local Bus spec §6.8.2): table and PBA in BARs of this function, each at an
     * 8-byte aligned offset; the bus overlays them on the BAR's ops.
     */
    record Msix(int vectors, int tableBar, long tableOffset, int pbaBar, long pbaOffset, int offset)
            implements CapabilitySpec {
        public Msix {
            if (vectors < 1 || vectors > 2048) {
                throw new IllegalArgumentException("MSI-X table size must be 1..2048");
            }
            if ((tableOffset & 7) != 0 || (pbaOffset & 7) != 0) {
                throw new IllegalArgumentException("MSI-X table and PBA offsets must be 8-byte aligned");
            }
        }
    }

    /**
     * PCI Express capability (PCIe Base spec §7.5.3), version 2. An endpoint plugged on the
     * root bus reports itself as a root-complex integrated endpoint, as QEMU does.
     *
     * @param flr Function Level Reset capable (Device Capabilities bit 28)
     */
    record Pcie(PcieType type, boolean flr, int offset) implements CapabilitySpec {
    }

    /** PCI Power Management capability (PCI PM spec 1.2 §3.2), D0 and D3hot, No_Soft_Reset set. */
    record PowerManagement(int offset) implements CapabilitySpec {
    }

    /**
     * ACS extended capability (PCIe Base spec §7.7.11). {@code capabilities} is the ACS
     * Capability register (bit 0 SV, 1 TB, 2 RR, 3 CR, 4 UF, 5 EC, 6 DT); the same bits of ACS
     * Control are writable, all zero at reset.
     */
    record Acs(int capabilities, int offset) implements CapabilitySpec {
        @Override
        public boolean extended() {
            return true;
        }
    }

    /** ATS extended capability (PCIe Base spec §10.5.1), page-aligned requests. */
    record Ats(int invalidateQueueDepth, int offset) implements CapabilitySpec {
        @Override
        public boolean extended() {
            return true;
        }
    }

    /** PASID extended capability (PCIe Base spec §7.8.8); {@code width} is Max PASID Width, 1..20. */
    record Pasid(int width, boolean execute, boolean privileged, int offset) implements CapabilitySpec {
        public Pasid {
            if (width < 1 || width > 20) {
                throw new IllegalArgumentException("Max PASID Width must be 1..20");
            }
        }

        @Override
        public boolean extended() {
            return true;
        }
    }

    /** Page Request Interface extended capability (PCIe Base spec §10.5.2). */
    record Pri(int outstandingCapacity, int offset) implements CapabilitySpec {
        @Override
        public boolean extended() {
            return true;
        }
    }
}
