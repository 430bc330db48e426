package dev.vplat.pci;

import dev.vplat.pci.sdk.FunctionSpec;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class EnumerationTest {
    @Test
    void hostBridgeAt0000IsQ35MchThroughEcamAndCf8() {
        Bench b = new Bench();
        assertEquals(0x29C0_8086L, b.ecamRead(0, 0, 0, 0, 4));
        assertEquals(0x29C0_8086L, b.cf8Read(0, 0, 0, 0, 4));
        assertEquals(0x0600_0000L, b.ecamRead(0, 0, 0, 8, 4) & 0xFFFF_FF00L);
    }

    @Test
    void absentFunctionsReadAllOnesThroughBothMechanisms() {
        Bench b = new Bench();
        assertEquals(0xFFFF_FFFFL, b.ecamRead(0, 7, 0, 0, 4));
        assertEquals(0xFFFFL, b.cf8Read(0, 7, 0, 0, 2));
        assertEquals(0xFFFF_FFFFL, b.ecamRead(5, 0, 0, 0, 4));
    }

    @Test
    void cf8WithoutEnableBitReadsAllOnes() {
        Bench b = new Bench();
        b.machine.io().write(0xCF8, 4, 0x0000_0000L);
        assertEquals(0xFFFF_FFFFL, b.machine.io().read(0xCFC, 4));
        assertEquals(0L, b.machine.io().read(0xCF8, 4));
    }

    @Test
    void cf8ByteAndWordAccessesSelectTheByteWithinTheDword() {
        Bench b = new Bench();
        b.plug("edu", "edu,addr=03.0");
        assertEquals(0x11E8L, b.cf8Read(0, 3, 0, 2, 2));
        assertEquals(0x10L, b.cf8Read(0, 3, 0, 8, 1));
        assertEquals(0xFFL, b.cf8Read(0, 3, 0, 0xA, 1), "sub-class byte of class 00FF00");
    }

    @Test
    void deviceBehindRootPortIsReachableOnlyAfterTheGuestProgramsBusNumbers() {
        Bench b = new Bench();
        PciBridge rp = b.host.addRootPort("rp0", "04.0");
        b.plug("dev", "dmatest,bus=rp0,addr=00.0");
        assertEquals(0xFFFF_FFFFL, b.ecamRead(1, 0, 0, 0, 4), "bus 1 does not exist before numbering");
        assertEquals(1L, b.ecamRead(0, 4, 0, 0x0E, 1), "header type 1");
        b.cf8Write(0, 4, 0, 0x18, 4, 0x00_01_01_00L);
        assertEquals(1, rp.secondaryBusNumber());
        assertEquals(0xDA7A_1234L, b.ecamRead(1, 0, 0, 0, 4));
        assertEquals(0xDA7A_1234L, b.cf8Read(1, 0, 0, 0, 4));
    }

    @Test
    void onlyDeviceZeroExistsBelowAPcieLink() {
        Bench b = new Bench();
        PciBridge rp = b.host.addRootPort("rp0", "04.0");
        b.plug("dev", "dmatest,bus=rp0,addr=00.0");
        b.busNumbers(rp, 0, 1, 1);
        assertEquals(0xFFFF_FFFFL, b.ecamRead(1, 1, 0, 0, 4));
        assertEquals(0xFFFF_FFFFL, b.ecamRead(1, 8, 0, 0, 4));
    }

    @Test
    void configRequestsTraverseASwitchByBusRange() {
        Bench b = new Bench();
        PciBridge rp = b.host.addRootPort("rp0", "04.0");
        PciBridge up = b.host.addBridge(PciBridge.Kind.SWITCH_UPSTREAM_PORT, "up", "rp0", "00.0", false);
        PciBridge down = b.host.addBridge(PciBridge.Kind.SWITCH_DOWNSTREAM_PORT, "down", "up", "02.0", true);
        PciFunction ep = b.plug("ep", "dmatest,bus=down,addr=0");
        b.busNumbers(rp, 0, 1, 3);
        b.ecamWrite(1, 0, 0, 0x18, 4, 0x03_02_01L);
        b.ecamWrite(2, 2, 0, 0x18, 4, 0x03_03_02L);
        assertEquals(0xDA7A_1234L, b.ecamRead(3, 0, 0, 0, 4));
        assertSame(ep, b.host.resolve(3, 0));
        assertEquals(RequesterId.of(3, 0, 0), ep.requesterId());
        assertEquals(2, down.primaryBusNumber());
        assertSame(up, b.host.resolve(1, 0));
    }

    @Test
    void nonZeroFunctionIsInvisibleWithoutFunctionZero() {
        Bench b = new Bench();
        b.plugSpec("lonely", "09.1", c -> FunctionSpec.builder(0x1234, 0x0001).build());
        assertEquals(0xFFFF_FFFFL, b.ecamRead(0, 9, 1, 0, 4));
        b.plugSpec("zero", "09.0", c -> FunctionSpec.builder(0x1234, 0x0000).build());
        assertEquals(0x0001_1234L, b.ecamRead(0, 9, 1, 0, 4));
        assertEquals(0x80L, b.ecamRead(0, 9, 0, 0x0E, 1) & 0x80, "multifunction bit on function 0");
    }

    @Test
    void conventionalFunctionsReadAllOnesInExtendedSpace() {
        Bench b = new Bench();
        b.plug("edu", "edu,addr=03.0");
        assertEquals(0xFFFF_FFFFL, b.ecamRead(0, 3, 0, 0x100, 4));
        PciFunction pcie = b.plug("dt", "dmatest,addr=04.0");
        assertEquals(0x000FL, b.ecamRead(0, 4, 0, pcie.findExtendedCapability(0x000F), 2));
    }

    @Test
    void writesToAbsentFunctionsAreDropped() {
        Bench b = new Bench();
        b.ecamWrite(0, 9, 0, 4, 2, 6);
        assertNull(b.host.resolve(0, 9 << 3));
        assertEquals(0xFFFFL, b.ecamRead(0, 9, 0, 4, 2));
    }

    @Test
    void readOnlyIdentityRegistersIgnoreWritesAndStatusErrorBitsAreWriteOneToClear() {
        Bench b = new Bench();
        PciFunction edu = b.plug("edu", "edu,addr=03.0");
        b.cfgWrite(edu, 0, 4, 0);
        assertEquals(0x11E8_1234L, b.cfgRead(edu, 0, 4));
        edu.configSpace().set16(0x06, 0x2010);
        b.cfgWrite(edu, 0x06, 2, 0x2000);
        assertEquals(0x0010L, b.cfgRead(edu, 0x06, 2));
    }
}
