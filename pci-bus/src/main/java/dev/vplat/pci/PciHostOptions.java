package dev.vplat.pci;

/**
 * How a PCI host bridge is wired into a machine.
 *
 * @param ecamBase base of the ECAM (MMCONFIG) window in system memory
 * @param busCount buses the ECAM window covers (1 MiB each), 1..256
 * @param legacyPortIo whether the 0xCF8/0xCFC configuration mechanism #1 exists (x86)
 * @param x86 whether DMA writes to 0xFEE0_0000..0xFEEF_FFFF are interrupt requests
 * @param msiDoorbellBase on non-x86 hosts, start of a doorbell range where a DMA write (after
 *     translation) is an MSI carrying the requester ID, or -1 for none
 * @param msiDoorbellSize size of that range
 */
public record PciHostOptions(long ecamBase, int busCount, boolean legacyPortIo, boolean x86,
                             long msiDoorbellBase, long msiDoorbellSize) {
    /** ECAM base of QEMU's q35 (MCH PCIEXBAR default). */
    public static final long Q35_ECAM_BASE = 0xB000_0000L;

    public PciHostOptions {
        if (busCount < 1 || busCount > 256) {
            throw new IllegalArgumentException("bus count must be 1..256");
        }
        if ((ecamBase & ((1L << 20) - 1)) != 0) {
            throw new IllegalArgumentException("ECAM base must be 1 MiB aligned");
        }
    }

    /** The q35 layout: ECAM at 0xB0000000 for 256 buses, CF8/CFC, x86 interrupt window. */
    public static PciHostOptions q35() {
        return new PciHostOptions(Q35_ECAM_BASE, 256, true, true, -1, 0);
    }

    /** A non-x86 host: ECAM only, MSIs are doorbell writes in {@code [doorbellBase, +doorbellSize)}. */
    public static PciHostOptions generic(long ecamBase, long doorbellBase, long doorbellSize) {
        return new PciHostOptions(ecamBase, 256, false, false, doorbellBase, doorbellSize);
    }
}
