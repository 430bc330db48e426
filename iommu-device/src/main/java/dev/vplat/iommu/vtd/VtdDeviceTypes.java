package dev.vplat.iommu.vtd;

import dev.vplat.platform.device.DeviceType;
import dev.vplat.platform.device.DeviceTypeProvider;

import java.util.List;

/** Registers {@code intel-iommu} with the device registry (META-INF/services). */
public final class VtdDeviceTypes implements DeviceTypeProvider {
    public static final String NAME = "intel-iommu";

    public static DeviceType<VtdUnit> intelIommu() {
        return new DeviceType<>(NAME, "Intel VT-d DMA and interrupt remapping unit (QEMU-compatible properties)",
                VtdUnit.class, VtdConfig.schema(), p -> new VtdUnit(VtdConfig.fromProperties(p)));
    }

    @Override
    public List<DeviceType<?>> deviceTypes() {
        return List.of(intelIommu());
    }
}
