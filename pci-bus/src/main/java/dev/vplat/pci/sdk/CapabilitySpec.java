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
     * 8-byte aligned offset; the bus overlays them on the BAR's ops (see
     * {@link BarSpec#msixOnly} for a BAR holding nothing else). Entries reset masked.
     *
     * @param vectors table size, 1..2048
     * @param tableBar BAR index (BIR) of the table; {@code tableOffset} its offset in that BAR
     * @param pbaBar BAR index of the Pending Bit Array; {@code pbaOffset} its offset
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

    /**
     * ATS extended capability (PCIe Base spec §10.5.1), page-aligned requests; the driver's
     * enable and Smallest Translation Unit are recorded, translation requests are not modelled.
     */
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

    /**
     * Vendor-specific capability (PCI Local Bus spec §6.7, ID 09h): a read-only blob a driver
     * finds with {@code pci_find_capability(dev, PCI_CAP_ID_VNDR)} — firmware versions, feature
     * bits, the location of further registers. The bus writes the ID, next pointer and the
     * Length byte (3 + {@code data.length}); {@code data} follows from byte 3. May be declared
     * more than once.
     */
    record VendorSpecific(byte[] data, int offset) implements CapabilitySpec {
        public VendorSpecific {
            if (data.length > 0xFF - 3) {
                throw new IllegalArgumentException("vendor-specific capability data must fit in 252 bytes");
            }
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }
    }

    /**
     * Vendor-Specific Extended Capability (PCIe Base spec §7.9.5, ID 000Bh), read-only: the
     * VSEC header at +4 carries {@code vsecId}, {@code revision} and the length
     * (8 + {@code data.length}); {@code data} follows from +8. Linux finds it with
     * {@code pci_find_vsec_capability(dev, vendor, vsecId)}. May be declared more than once.
     */
    record VendorSpecificExtended(int vsecId, int revision, byte[] data, int offset) implements CapabilitySpec {
        public VendorSpecificExtended {
            if (vsecId < 0 || vsecId > 0xFFFF || revision < 0 || revision > 0xF) {
                throw new IllegalArgumentException("VSEC ID is 16 bits and revision 4 bits");
            }
            if (8 + data.length > 0xFFF) {
                throw new IllegalArgumentException("a VSEC must be shorter than 4 KiB");
            }
            data = data.clone();
        }

        @Override
        public byte[] data() {
            return data.clone();
        }

        @Override
        public boolean extended() {
            return true;
        }
    }

    /** Whether several capabilities of this kind may be declared (vendor-specific ones). */
    default boolean repeatable() {
        return this instanceof VendorSpecific || this instanceof VendorSpecificExtended;
    }

    /**
     * Page Request Interface extended capability (PCIe Base spec §10.5.2): enable, reset and the
     * Stopped status bit; {@code outstandingCapacity} is the Outstanding Page Request Capacity.
     */
    record Pri(int outstandingCapacity, int offset) implements CapabilitySpec {
        @Override
        public boolean extended() {
            return true;
        }
    }
}
