package dev.vplat.vfio.platform;

import dev.vplat.iommu.vtd.VtdUnit;
import dev.vplat.pci.PciHost;
import dev.vplat.pci.RequesterId;
import dev.vplat.platform.device.ConfigException;
import dev.vplat.vfio.driver.DriverCore;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Q35PresetTest {
    private static PlatformConfig q35(List<String> devices, List<String> iommus, boolean noDefaults) {
        return new PlatformConfig("q35", devices, iommus, 64 << 20, noDefaults, "", ClockMode.VIRTUAL, false, List.of());
    }

    @Test
    void defaultMachineHasAGuestOwnedAndAHostOwnedVtdUnit() {
        try (Platform p = Platforms.create(q35(List.of(), List.of(), false))) {
            VtdUnit guest = (VtdUnit) p.machine().component("dmar0");
            VtdUnit host = (VtdUnit) p.machine().component("dmar1");
            assertEquals(0xFED9_0000L, guest.config().base());
            assertEquals(0xFED9_1000L, host.config().base());
            assertFalse(guest.translationEnabled(), "a guest-owned unit stays at reset state");
            assertTrue(host.translationEnabled(), "the host VT-d driver enabled translation");
        }
    }

    @Test
    void firmwareNumbersTheBusesBehindTheRootPortAndTheBridge() {
        try (Platform p = Platforms.create(q35(List.of(), List.of(), false))) {
            PciHost pci = (PciHost) p.machine().component("pci");
            assertEquals("dmatest", pci.function(RequesterId.parse("01:00.0")).typeName());
            assertEquals("edu", pci.function(RequesterId.parse("02:01.0")).typeName());
        }
    }

    @Test
    void machineInfoListsFunctionsWithDriverGroupAndUnit() {
        try (Platform p = Platforms.create(q35(List.of(), List.of(), false))) {
            String json = p.machineInfo();
            assertTrue(json.contains("{\"bdf\":\"0000:00:03.0\",\"vendor\":\"0x1234\",\"device\":\"0x11e8\","
                    + "\"class\":\"0x00ff00\",\"type\":\"edu\",\"driver\":\"edu\",\"group\":null,\"iommu\":\"dmar0\""), json);
            assertTrue(json.contains("\"owner\":\"host\""), json);
            assertTrue(json.contains("{\"id\":3,\"devices\":[\"0000:00:05.0\",\"0000:00:05.1\"],\"owner\":\"kernel\""), json);
        }
    }

    @Test
    void guestWritesIntoTheHostOwnedUnitAreRefusedWithEacces() {
        try (Platform p = Platforms.create(q35(List.of(), List.of(), false))) {
            GuestAccessPolicy policy = p.kernel().service(GuestAccessPolicy.class);
            ErrnoException e = assertThrows(ErrnoException.class, () -> policy.checkGuestWrite(0xFED9_1018L, 4));
            assertEquals(Errno.EACCES, e.errno());
            policy.checkGuestWrite(0xFED9_0018L, 4);
            ErrnoException fill = assertThrows(ErrnoException.class, () -> policy.checkGuestWrite(0xFED0_0000L, 0x10_0000L),
                    "a fill spanning the whole window is refused too");
            assertEquals(Errno.EACCES, fill.errno());
        }
    }

    @Test
    void driverControlRebindsADeviceToVfioPci() {
        try (Platform p = Platforms.create(q35(List.of(), List.of(), false))) {
            DriverControl control = p.kernel().service(DriverControl.class);
            control.unbind("0000:01:00.0");
            control.bind("0000:01:00.0", "vfio-pci");
            DriverCore drivers = p.kernel().service(DriverCore.class);
            assertEquals("vfio-pci", drivers.device(RequesterId.parse("01:00.0")).driver().name());
        }
    }

    @Test
    void noDefaultsHoldsOnlyTheHostBridgeAndWhatTheCommandLineNames() {
        PlatformConfig c = q35(List.of("edu,addr=04.0"), List.of("intel-iommu,owner=guest"), true);
        try (Platform p = Platforms.create(c)) {
            PciHost pci = (PciHost) p.machine().component("pci");
            assertEquals(2, pci.functions().size());
            assertEquals("edu", pci.function(RequesterId.parse("00:04.0")).typeName());
            assertTrue(p.machine().component("dmar0") instanceof VtdUnit);
            assertNull(p.machine().component("dmar1"));
        }
    }

    @Test
    void aBadIommuPropertyIsAConfigErrorNamingIt() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> Platforms.create(q35(List.of(), List.of("intel-iommu,aw-bits=40"), false)));
        assertTrue(e.getMessage().contains("aw-bits"), e.getMessage());
    }
}
