package dev.vplat.iommu.smmuv3;

import dev.vplat.platform.device.ConfigException;
import dev.vplat.platform.device.DeviceRegistry;
import dev.vplat.platform.device.OptionString;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SmmuV3DeviceTypesTest {
    private final DeviceRegistry registry = DeviceRegistry.discover(getClass().getClassLoader(), "test");

    @Test
    void serviceLoaderFindsArmSmmuV3() {
        assertEquals(SmmuV3.class, registry.find("arm-smmuv3").kind());
    }

    @Test
    void defaultsMatchSmmuV3ConfigDefaults() {
        assertEquals(SmmuV3Config.defaults(), create("arm-smmuv3"));
    }

    @Test
    void propertiesBecomeConfigAndIdRegisters() {
        SmmuV3Config c = create(
                "arm-smmuv3,stage=nested,granules=4k+64k,oas=48,ssid-bits=0,pri=on,owner=guest,strict=on,scope=00:03.0");
        assertEquals(SmmuV3Config.Stages.NESTED, c.stages());
        assertEquals(EnumSet.of(Granule.G4K, Granule.G64K), c.granules());
        assertEquals(SmmuV3Config.Owner.GUEST, c.owner());
        assertEquals(java.util.Set.of(dev.vplat.pci.RequesterId.parse("00:03.0")), c.scope().requesters());
        SmmuTestBed bed = new SmmuTestBed(c);
        assertEquals(0x55, bed.read32(SmmuRegisters.IDR5));
        assertEquals(0, bed.read32(SmmuRegisters.IDR1) >>> 6 & 0x1F);
        assertEquals(1, bed.read32(SmmuRegisters.IDR0) >>> 16 & 1);
    }

    @Test
    void unsupportedOutputSizeIsRejected() {
        assertThrows(ConfigException.class, () -> create("arm-smmuv3,oas=46"));
    }

    @Test
    void unknownGranuleIsRejected() {
        assertThrows(ConfigException.class, () -> create("arm-smmuv3,granules=8k"));
    }

    @Test
    void unalignedBaseIsRejected() {
        assertThrows(ConfigException.class, () -> create("arm-smmuv3,base=0x09051000"));
    }

    private SmmuV3Config create(String options) {
        return registry.find("arm-smmuv3", SmmuV3.class).create(OptionString.parse(options)).config();
    }
}
