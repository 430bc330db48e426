/**
 * Device plugins: {@link dev.vplat.vfio.plugin.PluginLoader} turns {@code --plugin} jars into
 * device types (ServiceLoader over each jar's {@code DeviceTypeProvider}s, the jar recorded as
 * the origin), and {@link dev.vplat.vfio.plugin.PciDevicePlugger} plugs {@code --device} option
 * strings into a PCI host, naming the type's origin when a device fails to come up. See
 * docs/devices/writing-a-device.md.
 */
package dev.vplat.vfio.plugin;
