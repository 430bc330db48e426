/**
 * The public device SDK: everything a PCI device model is written against, and nothing more.
 *
 * <p>A device author implements {@link dev.vplat.pci.sdk.PciDevice}; in
 * {@link dev.vplat.pci.sdk.PciDevice#realize realize} it receives a
 * {@link dev.vplat.pci.sdk.DeviceContext} (its properties, DMA port, interrupts, timers and trace)
 * and answers with a {@link dev.vplat.pci.sdk.FunctionSpec} declaring its identity, BARs (each
 * backed by an {@code MmioOps}, typically a platform {@code RegisterBank}) and capabilities. The
 * bus does the rest: config space with its access masks, BAR sizing and mapping, MSI/MSI-X
 * masking and pending bits, INTx disable, FLR, requester IDs and IOMMU routing.
 *
 * <p>A device never sees the bus, other devices or the machine. Besides this package it may use
 * the DMA value types {@code DmaStatus}, {@code DmaResult} and {@code DmaDirection} from
 * {@code dev.vplat.pci.dma} and the platform's register, memory-ops, clock, property and trace
 * types. Types are registered with {@link dev.vplat.pci.sdk.PciDeviceTypes#define}, listed by a
 * {@code DeviceTypeProvider} in {@code META-INF/services}, so plugin jars add devices the same
 * way the built-in ones are added.
 */
package dev.vplat.pci.sdk;
