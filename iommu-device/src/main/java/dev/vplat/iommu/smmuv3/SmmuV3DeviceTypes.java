package dev.vplat.iommu.smmuv3;

import dev.vplat.platform.device.DeviceType;
import dev.vplat.platform.device.DeviceTypeProvider;

import java.util.List;

/**
 * Registers {@code arm-smmuv3}. An instance of the type is the unit's {@link SmmuV3Config}; the
 * machine builder creates the unit with {@code new SmmuV3(id, config, machine)} and maps it with
 * {@link SmmuV3#mapInto}, at {@link SmmuV3#VIRT_BASE} on the Arm {@code virt} preset.
 */
public final class SmmuV3DeviceTypes implements DeviceTypeProvider {
    public static final DeviceType<SmmuV3Config> ARM_SMMUV3 = new DeviceType<>(SmmuV3Config.TYPE_NAME,
            "Arm SMMUv3 (IHI 0070) at register level: stream table, CDs, stage 1/2/nested walks, queues",
            SmmuV3Config.class, SmmuV3Config.schema(), SmmuV3Config::fromProperties);

    @Override
    public List<DeviceType<?>> deviceTypes() {
        return List.of(ARM_SMMUV3);
    }
}
