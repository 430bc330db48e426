package dev.vplat.pci.sdk;

import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.testkit.DeviceFixture;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VendorSpecificCapabilityTest {
    private static DeviceFixture fixture(FunctionSpec.Builder spec) {
        FunctionSpec built = spec.build();
        return DeviceFixture.builder(context -> built).build();
    }

    @Test
    void vendorSpecificCapabilityCarriesItsLengthByteAndDataReadOnly() {
        try (DeviceFixture f = fixture(FunctionSpec.builder(0x1234, 1).vendorSpecific(new byte[] {0x11, 0x22, 0x33}))) {
            int cap = f.function().findCapability(PciConfig.CAP_ID_VNDR);
            assertTrue(cap >= 0x40);
            assertEquals(6, f.configRead(cap + 2, 1), "Length = header (3) + data (PCI spec §6.7)");
            assertEquals(0x11, f.configRead(cap + 3, 1));
            assertEquals(0x3322, f.configRead(cap + 4, 2));
            f.configWrite(cap + 3, 1, 0xFF);
            assertEquals(0x11, f.configRead(cap + 3, 1));
        }
    }

    @Test
    void twoVendorSpecificCapabilitiesAreChained() {
        try (DeviceFixture f = fixture(FunctionSpec.builder(0x1234, 1).vendorSpecific(new byte[] {1})
                .vendorSpecific(new byte[] {2}))) {
            int first = f.function().findCapability(PciConfig.CAP_ID_VNDR);
            int second = (int) f.configRead(first + 1, 1);
            assertEquals(PciConfig.CAP_ID_VNDR, f.configRead(second, 1));
            assertEquals(2, f.configRead(second + 3, 1));
        }
    }

    @Test
    void vsecHeaderHoldsIdRevisionAndLength() {
        try (DeviceFixture f = fixture(FunctionSpec.builder(0x1234, 1).pcie(PcieType.ENDPOINT, false)
                .vendorSpecificExtended(0x0023, 2, new byte[] {(byte) 0xAB, (byte) 0xCD, 0, 0}))) {
            int vsec = f.function().findExtendedCapability(PciConfig.EXT_CAP_ID_VNDR);
            assertTrue(vsec >= 0x100);
            assertEquals(0x00C2_0023L, f.configRead(vsec + 4, 4), "ID 0x23, rev 2, length 12 (PCIe §7.9.5.2)");
            assertEquals(0xCDABL, f.configRead(vsec + 8, 4));
        }
    }

    @Test
    void vsecWithoutPcieIsRefused() {
        FunctionSpec.Builder b = FunctionSpec.builder(0x1234, 1).vendorSpecificExtended(1, 0, new byte[0]);
        assertThrows(IllegalArgumentException.class, b::build);
    }
}
