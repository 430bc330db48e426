package dev.vplat.vfio.platform;

/**
 * A layer's part of MACHINE_INFO: the PCI layer writes the {@code "pci"} array, the IOMMU core
 * {@code "iommus"} and {@code "groups"}. Register it with {@link MachineInfoRegistry} (a
 * {@link dev.vplat.vfio.kernel.HostKernel} service). Called on the machine thread.
 */
public interface MachineInfoContributor {
    /** The top-level key written, e.g. {@code "pci"}; a second contributor for a key replaces the first. */
    String key();

    /** Writes the key's value (usually an array) to {@code out}; the key itself is already written. */
    void writeValue(JsonWriter out);
}
