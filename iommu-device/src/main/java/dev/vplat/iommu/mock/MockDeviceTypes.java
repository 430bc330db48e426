package dev.vplat.iommu.mock;

import dev.vplat.iommu.UnitScope;
import dev.vplat.platform.device.ConfigException;
import dev.vplat.platform.device.DeviceType;
import dev.vplat.platform.device.DeviceTypeProvider;
import dev.vplat.platform.device.PropertySchema;
import dev.vplat.platform.device.PropertySpec;

import java.util.List;

/** Registers {@code mock-iommu} (META-INF/services). */
public final class MockDeviceTypes implements DeviceTypeProvider {
    public static final String NAME = "mock-iommu";

    public static DeviceType<MockIommu> mockIommu() {
        PropertySchema schema = new PropertySchema()
                .add(PropertySpec.string("id", "mock0", "unit name"))
                .add(PropertySpec.string("scope", "all", "'all' or requester IDs such as 00:03.0+00:04.0"));
        return new DeviceType<>(NAME, "IOMMU with the iommufd selftest mock geometry (2 KiB pages, 16 MiB-2 GiB aperture)",
                MockIommu.class, schema, p -> {
                    try {
                        return new MockIommu(p.string("id"), UnitScope.parse(p.string("scope")));
                    } catch (IllegalArgumentException e) {
                        throw new ConfigException(NAME + ": property 'scope': " + e.getMessage());
                    }
                });
    }

    @Override
    public List<DeviceType<?>> deviceTypes() {
        return List.of(mockIommu());
    }
}
