package dev.vplat.platform.device;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Option strings, property schemas and the registry, as {@code --device edu,...} uses them. */
class DeviceModelTest {
    /** A stand-in for what a higher layer plugs in: the thing its factory builds. */
    record EduConfig(String addr, long dmaMask, boolean msi) {
    }

    private static final PropertySchema EDU_SCHEMA = new PropertySchema()
            .add(PropertySpec.required("addr", PropertyType.STRING, "PCI slot.function"))
            .add(PropertySpec.uint("dma_mask", 0xfffffffL, 0, -1L, "DMA address mask"))
            .add(PropertySpec.bool("msi", true, "use MSI"));

    private static final DeviceType<EduConfig> EDU = new DeviceType<>("edu", "QEMU edu device", EduConfig.class,
            EDU_SCHEMA, v -> new EduConfig(v.string("addr"), v.uint("dma_mask"), v.bool("msi")));

    @Test
    void optionStringSplitsTypeAndProperties() {
        OptionString o = OptionString.parse("edu,addr=03.0,dma_mask=0xfffffff");

        assertEquals("edu", o.type());
        assertEquals(Map.of("addr", "03.0", "dma_mask", "0xfffffff"), o.options());
    }

    @Test
    void doubledCommaIsALiteralCommaAndABareKeyMeansOn() {
        OptionString o = OptionString.parse("blob,path=a,,b,verbose");

        assertEquals("a,b", o.options().get("path"));
        assertEquals("on", o.options().get("verbose"));
    }

    @Test
    void deviceIsCreatedFromOptionsWithDefaultsFilledIn() {
        EduConfig edu = EDU.create(OptionString.parse("edu,addr=03.0,dma_mask=0xfff"));

        assertEquals(new EduConfig("03.0", 0xfff, true), edu);
    }

    @Test
    void valuesRememberWhichPropertiesTheUserSet() {
        PropertyValues v = EDU_SCHEMA.resolve("edu", Map.of("addr", "03.0"));

        assertTrue(v.isSet("addr"));
        assertFalse(v.isSet("dma_mask"));
        assertEquals(0xfffffffL, v.uint("dma_mask"));
    }

    @Test
    void propertyOfACustomTypeIsReadBackTyped() {
        record Slot(int device, int function) {
        }
        PropertyType<Slot> slotType = new PropertyType<>() {
            @Override
            public Slot parse(String text) {
                String[] parts = text.split("\\.");
                return new Slot(Integer.parseInt(parts[0], 16), Integer.parseInt(parts[1]));
            }

            @Override
            public String describe() {
                return "SLOT.FN";
            }
        };
        PropertySchema schema = new PropertySchema().add(PropertySpec.required("addr", slotType, "slot"));

        PropertyValues v = schema.resolve("edu", Map.of("addr", "1f.3"));

        assertEquals(new Slot(0x1f, 3), v.get("addr", Slot.class));
        assertThrows(IllegalArgumentException.class, () -> v.get("addr", String.class));
    }

    @Test
    void unknownPropertyIsNamedWithTheKnownOnes() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> EDU.create(OptionString.parse("edu,addr=03.0,dma_bits=32")));
        assertEquals("edu: unknown property 'dma_bits' (known: addr, dma_mask, msi)", e.getMessage());
    }

    @Test
    void badNumberNamesThePropertyAndTheExpectedForm() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> EDU.create(OptionString.parse("edu,addr=03.0,dma_mask=0xzz")));
        assertEquals("edu: property 'dma_mask': expected a number, got '0xzz' (expected integer 0..18446744073709551615)",
                e.getMessage());
    }

    @Test
    void duplicatePropertyIsNamed() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> OptionString.parse("edu,addr=03.0,msi=on,msi=off"));
        assertEquals("edu: property 'msi' given twice", e.getMessage());
    }

    @Test
    void missingRequiredPropertyIsNamed() {
        ConfigException e = assertThrows(ConfigException.class, () -> EDU.create(OptionString.parse("edu,msi=off")));
        assertEquals("edu: missing required property addr", e.getMessage());
    }

    @Test
    void malformedOptionStringsAreRejected() {
        assertThrows(ConfigException.class, () -> OptionString.parse(""));
        assertThrows(ConfigException.class, () -> OptionString.parse("addr=1"));
        assertThrows(ConfigException.class, () -> OptionString.parse("edu,"));
        assertThrows(ConfigException.class, () -> OptionString.parse("edu,=5"));
    }

    @Test
    void defaultOutsideItsOwnRangeIsADeclarationError() {
        assertThrows(IllegalArgumentException.class, () -> PropertySpec.uint("aw-bits", 52, 39, 48, "address width"));
        assertThrows(IllegalArgumentException.class, () -> PropertySpec.oneOf("mode", "x", "mode", "a", "b"));
    }

    @Test
    void registryFindsTypesByNameAndKindAndRefusesDuplicates() {
        DeviceRegistry registry = new DeviceRegistry();
        registry.register(EDU, "test");

        assertEquals(EDU, registry.find("edu", EduConfig.class));
        assertEquals(List.of(EDU), registry.all());
        assertEquals("test", registry.origin("edu"));
        ConfigException unknown = assertThrows(ConfigException.class, () -> registry.find("e1000"));
        assertEquals("unknown device type 'e1000' (known: edu)", unknown.getMessage());
        assertThrows(ConfigException.class, () -> registry.find("edu", String.class));
        assertThrows(ConfigException.class, () -> registry.register(EDU, "plugin.jar"));
    }
}
