package dev.vplat.iommu.smmuv3;

import dev.vplat.platform.device.DeviceType;
import dev.vplat.platform.device.DeviceTypeProvider;

import java.util.List;

/**
 * Registers {@code arm-smmuv3}. An instance is an unattached {@link SmmuV3}; the machine builder
 * wires it with {@link SmmuV3#attach}, which maps it at the {@code base} property
 * ({@link SmmuV3#VIRT_BASE}, the Arm {@code virt} placement, by default).
 */
public final class SmmuV3DeviceTypes implements DeviceTypeProvider {
    public static final DeviceType<SmmuV3> ARM_SMMUV3 = new DeviceType<>(SmmuV3Config.TYPE_NAME,
            "Arm SMMUv3 (IHI 0070) at register level: stream table, CDs, stage 1/2/nested walks, queues",
            SmmuV3.class, SmmuV3Config.schema(), p -> new SmmuV3(SmmuV3Config.fromProperties(p)));

    @Override
    public List<DeviceType<?>> deviceTypes() {
        return List.of(ARM_SMMUV3);
    }
}
