/**
 * Unit-testing a device model without a server: {@link dev.vplat.pci.testkit.DeviceFixture}
 * plugs one device into a small q35-like machine (RAM at 0, PCI host, optional
 * {@link dev.vplat.pci.testkit.FakeIommu}) and acts as its driver — config cycles through ECAM,
 * BAR assignment and MMIO, guest memory, MSI/MSI-X capture, virtual-clock stepping. These are
 * main sources so a plugin project can depend on them (test scope) next to the SDK.
 */
package dev.vplat.pci.testkit;
