package dev.vplat.vfio.vfio;

import dev.vplat.pci.PciFunction;
import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.devices.DmaTestDevice;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.uapi.Uapi;
import dev.vplat.vfio.uapi.VfioIoctl;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceInfo;
import dev.vplat.vfio.uapi.VfioStructs.VfioInfoCapHeader;
import dev.vplat.vfio.uapi.VfioStructs.VfioIrqInfo;
import dev.vplat.vfio.uapi.VfioStructs.VfioRegionInfo;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** vfio-pci device ops (vfio_pci_core.c, vfio_pci_config.c) on dmatest (PCIe, FLR, MSI-X) and edu (PCI, MSI). */
class VfioPciDeviceTest {
    private static final int CONFIG = VfioIoctl.PCI_CONFIG_REGION_INDEX;
    private final VfioBed bed = new VfioBed();
    private final UserDriver drv = new UserDriver(bed);

    private VfioDeviceInfo info(int dev) {
        long a = bed.put(new VfioDeviceInfo(24, 0, 0, 0, 0, 0));
        bed.ioctl(dev, VfioIoctl.DEVICE_GET_INFO, a);
        return bed.get(VfioDeviceInfo.class, a);
    }

    private VfioRegionInfo region(int dev, int index, int argsz) {
        long a = bed.put(new VfioRegionInfo(argsz, 0, index, 0, 0, 0));
        bed.ioctl(dev, VfioIoctl.DEVICE_GET_REGION_INFO, a);
        return bed.get(VfioRegionInfo.class, a);
    }

    private VfioIrqInfo irq(int dev, int index) {
        long a = bed.put(new VfioIrqInfo(16, 0, index, 0));
        bed.ioctl(dev, VfioIoctl.DEVICE_GET_IRQ_INFO, a);
        return bed.get(VfioIrqInfo.class, a);
    }

    @Test
    void deviceInfoIsPciWithResetOnlyWhereTheFunctionHasFlr() {
        VfioDeviceInfo dma = info(drv.boundDevice(VfioBed.DMATEST));
        assertEquals(VfioIoctl.DEVICE_FLAGS_PCI | VfioIoctl.DEVICE_FLAGS_RESET, dma.flags());
        assertEquals(9, dma.numRegions());
        assertEquals(5, dma.numIrqs());
        int edu = drv.boundDevice(VfioBed.EDU);
        assertEquals(VfioIoctl.DEVICE_FLAGS_PCI, info(edu).flags(), "edu has no FLR");
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.ioctl(edu, VfioIoctl.DEVICE_GET_INFO,
                bed.put(new VfioDeviceInfo(15, 0, 0, 0, 0, 0)))));
        assertEquals(Errno.ENOTTY, VfioBed.errno(() -> bed.ioctl(edu, VfioIoctl.DEVICE_PCI_HOT_RESET, 0)));
    }

    @Test
    void regionInfoGivesBarsConfigAndRomAtIndexShiftedOffsets() {
        int dev = drv.boundDevice(VfioBed.DMATEST);
        VfioRegionInfo bar0 = region(dev, 0, 32);
        assertEquals(4096, bar0.size());
        assertEquals(0, bar0.offset());
        assertEquals(VfioIoctl.REGION_INFO_FLAG_READ | VfioIoctl.REGION_INFO_FLAG_WRITE | VfioIoctl.REGION_INFO_FLAG_MMAP,
                bar0.flags());
        VfioRegionInfo bar1 = region(dev, 1, 32);
        assertEquals(0, bar1.size(), "BAR1 is the upper half of the 64-bit BAR0");
        assertEquals(0, bar1.flags());
        VfioRegionInfo config = region(dev, CONFIG, 32);
        assertEquals(4096, config.size());
        assertEquals(7L << 40, config.offset());
        assertEquals(VfioIoctl.REGION_INFO_FLAG_READ | VfioIoctl.REGION_INFO_FLAG_WRITE, config.flags());
        VfioRegionInfo rom = region(dev, VfioIoctl.PCI_ROM_REGION_INDEX, 32);
        assertEquals(0, rom.size());
        assertEquals(6L << 40, rom.offset());
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> region(dev, VfioIoctl.PCI_VGA_REGION_INDEX, 32)),
                "vfio-pci has no VGA region for a non-VGA device (vfio_pci_ioctl_get_region_info)");
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> region(dev, 9, 32)));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> region(dev, 0, 31)));
    }

    @Test
    void theMsixBarCarriesTheMsixMappableCapability() {
        int dev = drv.boundDevice(VfioBed.DMATEST);
        VfioRegionInfo small = region(dev, 2, 32);
        assertEquals(40, small.argsz(), "argsz grows to hold the capability");
        assertEquals(0, small.capOffset());
        assertEquals(VfioIoctl.REGION_INFO_FLAG_CAPS, small.flags() & VfioIoctl.REGION_INFO_FLAG_CAPS);
        long a = bed.put(new byte[40]);
        bed.proc.memory().write(a, Uapi.encode(new VfioRegionInfo(40, 0, 2, 0, 0, 0)));
        bed.ioctl(dev, VfioIoctl.DEVICE_GET_REGION_INFO, a);
        assertEquals(32, bed.get(VfioRegionInfo.class, a).capOffset());
        assertEquals(VfioIoctl.REGION_INFO_CAP_MSIX_MAPPABLE, bed.get(VfioInfoCapHeader.class, a + 32).id());
    }

    @Test
    void irqInfoCountsAndFlagsPerIndex() {
        int dev = drv.boundDevice(VfioBed.DMATEST);
        assertEquals(new VfioIrqInfo(16, VfioIoctl.IRQ_INFO_EVENTFD | VfioIoctl.IRQ_INFO_MASKABLE
                | VfioIoctl.IRQ_INFO_AUTOMASKED, 0, 1), irq(dev, VfioIoctl.PCI_INTX_IRQ_INDEX));
        assertEquals(new VfioIrqInfo(16, VfioIoctl.IRQ_INFO_EVENTFD | VfioIoctl.IRQ_INFO_NORESIZE, 1, 0),
                irq(dev, VfioIoctl.PCI_MSI_IRQ_INDEX), "dmatest has no MSI capability");
        assertEquals(new VfioIrqInfo(16, VfioIoctl.IRQ_INFO_EVENTFD, 2, 4), irq(dev, VfioIoctl.PCI_MSIX_IRQ_INDEX),
                "dynamic MSI-X allocation: no NORESIZE");
        assertEquals(new VfioIrqInfo(16, VfioIoctl.IRQ_INFO_EVENTFD | VfioIoctl.IRQ_INFO_NORESIZE, 3, 1),
                irq(dev, VfioIoctl.PCI_ERR_IRQ_INDEX));
        assertEquals(new VfioIrqInfo(16, VfioIoctl.IRQ_INFO_EVENTFD | VfioIoctl.IRQ_INFO_NORESIZE, 4, 1),
                irq(dev, VfioIoctl.PCI_REQ_IRQ_INDEX));
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> irq(dev, 5)));
        int edu = drv.boundDevice(VfioBed.EDU);
        assertEquals(1, irq(edu, VfioIoctl.PCI_MSI_IRQ_INDEX).count());
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> irq(edu, VfioIoctl.PCI_ERR_IRQ_INDEX)), "ERR is PCIe only");
    }

    @Test
    void barSizingRunsOnTheVirtualBarsAndNeverMovesTheRealOnes() {
        int dev = drv.boundDevice(VfioBed.DMATEST);
        PciFunction f = bed.function(VfioBed.DMATEST);
        long real = f.bar(0).address();
        assertNotEquals(0, real, "the host assigned BAR0");
        bed.pwrite(dev, CONFIG, PciConfig.BAR0, 4, 0xFFFF_FFFFL);
        bed.pwrite(dev, CONFIG, PciConfig.BAR0 + 4, 4, 0xFFFF_FFFFL);
        assertEquals(0xFFFF_F004L, bed.pread(dev, CONFIG, PciConfig.BAR0, 4), "4 KiB, 64-bit memory");
        assertEquals(0xFFFF_FFFFL, bed.pread(dev, CONFIG, PciConfig.BAR0 + 4, 4));
        assertEquals(0, bed.pread(dev, CONFIG, PciConfig.BAR0 + 12, 4), "BAR3 is not implemented");
        assertEquals(real, f.bar(0).address());
        bed.pwrite(dev, CONFIG, PciConfig.BAR0, 4, 0x1234_5000L);
        assertEquals(0x1234_5004L, bed.pread(dev, CONFIG, PciConfig.BAR0, 4));
    }

    @Test
    void msiAddressAndDataWritesStayInTheVirtualCapability() {
        int dev = drv.boundDevice(VfioBed.EDU);
        PciFunction f = bed.function(VfioBed.EDU);
        int cap = f.findCapability(PciConfig.CAP_ID_MSI);
        bed.pwrite(dev, CONFIG, cap + PciConfig.MSI_ADDRESS_LO, 4, 0xFEE0_1000L);
        bed.pwrite(dev, CONFIG, cap + 0x0C, 2, 0x4242);
        assertEquals(0xFEE0_1000L, bed.pread(dev, CONFIG, cap + PciConfig.MSI_ADDRESS_LO, 4));
        assertEquals(0x4242, bed.pread(dev, CONFIG, cap + 0x0C, 2));
        assertEquals(0, f.configRead(cap + PciConfig.MSI_ADDRESS_LO, 4), "the device's real MSI address is untouched");
        bed.pwrite(dev, CONFIG, cap + PciConfig.MSI_FLAGS, 2, PciConfig.MSI_FLAGS_ENABLE);
        assertEquals(0, bed.pread(dev, CONFIG, cap + PciConfig.MSI_FLAGS, 2) & PciConfig.MSI_FLAGS_ENABLE,
                "MSI is enabled through SET_IRQS only");
        assertEquals(0, f.configRead(cap + PciConfig.MSI_FLAGS, 2) & PciConfig.MSI_FLAGS_ENABLE);
    }

    @Test
    void theMsixCapabilityIsReadOnlyToTheUser() {
        int dev = drv.boundDevice(VfioBed.DMATEST);
        PciFunction f = bed.function(VfioBed.DMATEST);
        int cap = f.findCapability(PciConfig.CAP_ID_MSIX);
        bed.pwrite(dev, CONFIG, cap + PciConfig.MSIX_FLAGS, 2, PciConfig.MSIX_FLAGS_ENABLE);
        assertEquals(false, f.msixEnabled());
        assertEquals(3, bed.pread(dev, CONFIG, cap + PciConfig.MSIX_FLAGS, 2), "table size 4, read from the device");
        drv.setIrqEventfds(dev, VfioIoctl.PCI_MSIX_IRQ_INDEX, 0, bed.eventfd());
        assertEquals(PciConfig.MSIX_FLAGS_ENABLE | 3, bed.pread(dev, CONFIG, cap + PciConfig.MSIX_FLAGS, 2));
    }

    @Test
    void identityRegistersAreReadFromTheDeviceAndCannotBeWritten() {
        int dev = drv.boundDevice(VfioBed.DMATEST);
        assertEquals(0xDA7A_1234L, bed.pread(dev, CONFIG, 0, 4));
        bed.pwrite(dev, CONFIG, 0, 4, 0);
        assertEquals(0xDA7A_1234L, bed.pread(dev, CONFIG, 0, 4));
        assertEquals(Errno.EFAULT, VfioBed.errno(() -> bed.pread(dev, CONFIG, 4094, 4)), "past config space");
    }

    @Test
    void barRegionAccessReachesTheRegistersAndNeedsMemorySpaceEnabled() {
        int dev = drv.boundDevice(VfioBed.DMATEST);
        assertEquals(DmaTestDevice.ID_VALUE & 0xFFFF_FFFFL, bed.pread(dev, 0, DmaTestDevice.REG_ID, 4));
        bed.pwrite(dev, 0, DmaTestDevice.REG_DST, 8, 0x1234_5678_9000L);
        assertEquals(0x1234_5678_9000L, bed.pread(dev, 0, DmaTestDevice.REG_DST, 8));
        bed.pwrite(dev, CONFIG, PciConfig.COMMAND, 2, 0);
        assertEquals(Errno.EIO, VfioBed.errno(() -> bed.pread(dev, 0, DmaTestDevice.REG_ID, 4)));
        bed.pwrite(dev, CONFIG, PciConfig.COMMAND, 2, PciConfig.COMMAND_MEMORY);
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.pread(dev, 0, 4096, 4)), "past the end of BAR0");
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.pread(dev, 1, 0, 4)), "BAR1 is not a region");
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.pwrite(dev, VfioIoctl.PCI_ROM_REGION_INDEX, 0, 4, 0)));
    }

    @Test
    void theMsixTableIsHiddenFromRegionAccess() {
        int dev = drv.boundDevice(VfioBed.DMATEST);
        assertEquals(0xFFFF_FFFFL, bed.pread(dev, 2, 0, 4), "table reads as ones");
        bed.pwrite(dev, 2, 0, 4, 0xFEE0_0000L);
        drv.setIrqEventfds(dev, VfioIoctl.PCI_MSIX_IRQ_INDEX, 0, bed.eventfd());
        long realAddress = bed.function(VfioBed.DMATEST).bar(2).ops().read(0, 4);
        assertEquals(0xFEE0_0000L, realAddress & 0xFFF0_0000L, "VFIO programmed the real entry");
        bed.pwrite(dev, 2, 0, 4, 0xDEAD_0000L);
        assertEquals(realAddress, bed.function(VfioBed.DMATEST).bar(2).ops().read(0, 4), "the user's write was dropped");
        assertEquals(0, bed.pread(dev, 2, 0x800, 8), "the PBA is outside the table and readable");
    }

    @Test
    void resetIsFlrKeepingTheHostsSetupAndIsEinvalWithoutFlr() {
        int dev = drv.boundDevice(VfioBed.DMATEST);
        PciFunction f = bed.function(VfioBed.DMATEST);
        long bar = f.bar(0).address();
        bed.pwrite(dev, 0, DmaTestDevice.REG_DST, 8, 0x5000);
        bed.ioctl(dev, VfioIoctl.DEVICE_RESET, 0);
        assertEquals(0, bed.pread(dev, 0, DmaTestDevice.REG_DST, 8), "device registers are back at reset");
        assertEquals(bar, f.bar(0).address(), "pci_restore_state kept the BAR assignment");
        bed.pwrite(dev, 0, DmaTestDevice.REG_DST, 8, 0x6000);
        int exp = f.findCapability(PciConfig.CAP_ID_EXP);
        bed.pwrite(dev, CONFIG, exp + PciConfig.EXP_DEVCTL, 2, PciConfig.EXP_DEVCTL_BCR_FLR);
        assertEquals(0, bed.pread(dev, 0, DmaTestDevice.REG_DST, 8), "Initiate FLR through config space resets too");
        assertEquals(0, bed.pread(dev, CONFIG, exp + PciConfig.EXP_DEVCTL, 2) & PciConfig.EXP_DEVCTL_BCR_FLR);
        int edu = drv.boundDevice(VfioBed.EDU);
        assertEquals(Errno.EINVAL, VfioBed.errno(() -> bed.ioctl(edu, VfioIoctl.DEVICE_RESET, 0)));
    }
}
