package dev.vplat.vfio.vfio;

import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.devices.DmaTestDevice;
import dev.vplat.vfio.iommufd.Iommufd;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.uapi.VfioIoctl;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SET_IRQS (vfio_set_irqs_validate_and_prepare, vfio_pci_intrs.c) and interrupt delivery to eventfds. */
class VfioIrqTest {
    private static final int NONE_TRIGGER = VfioIoctl.IRQ_SET_DATA_NONE | VfioIoctl.IRQ_SET_ACTION_TRIGGER;
    private static final int FD_TRIGGER = VfioIoctl.IRQ_SET_DATA_EVENTFD | VfioIoctl.IRQ_SET_ACTION_TRIGGER;
    private static final int HDR = UserDriver.IRQ_SET_SIZE;
    private final VfioBed bed = new VfioBed();
    private final UserDriver drv = new UserDriver(bed);

    private Errno setIrqs(int dev, int argsz, int flags, int index, int start, int count, byte[] data) {
        return VfioBed.errno(() -> drv.setIrqs(dev, argsz, flags, index, start, count, data));
    }

    @Test
    void headerValidationRejectsSizeIndexRangeAndDataTypeWithEinval() {
        int dev = drv.boundDevice(VfioBed.DMATEST);
        int efd = bed.eventfd();
        byte[] fd = VfioBed.ints(efd);
        int msix = VfioIoctl.PCI_MSIX_IRQ_INDEX;
        assertEquals(Errno.EINVAL, setIrqs(dev, HDR - 1, NONE_TRIGGER, msix, 0, 0, new byte[0]));
        assertEquals(Errno.EINVAL, setIrqs(dev, HDR, NONE_TRIGGER, 5, 0, 0, new byte[0]));
        assertEquals(Errno.EINVAL, setIrqs(dev, HDR, NONE_TRIGGER | 1 << 6, msix, 0, 0, new byte[0]));
        assertEquals(Errno.EINVAL, setIrqs(dev, HDR, NONE_TRIGGER, msix, 1, -1, new byte[0]), "count overflows start");
        assertEquals(Errno.EINVAL, setIrqs(dev, HDR + 4, FD_TRIGGER, msix, 4, 1, fd), "start past the 4 vectors");
        assertEquals(Errno.EINVAL, setIrqs(dev, HDR + 8, FD_TRIGGER, msix, 3, 2, VfioBed.ints(efd, efd)));
        assertEquals(Errno.EINVAL, setIrqs(dev, HDR + 4, FD_TRIGGER | VfioIoctl.IRQ_SET_DATA_BOOL, msix, 0, 1, fd),
                "two data types");
        assertEquals(Errno.EINVAL, setIrqs(dev, HDR + 3, FD_TRIGGER, msix, 0, 1, new byte[3]), "argsz too small for the data");
        assertEquals(Errno.EINVAL, setIrqs(dev, HDR + 4, FD_TRIGGER, VfioIoctl.PCI_MSI_IRQ_INDEX, 0, 1, fd),
                "dmatest has no MSI: an index without vectors cannot be addressed");
        assertEquals(0, bed.counter("vfio_host_vectors"));
    }

    @Test
    void handlersRefuseUnsupportedActionsAndBadEventfds() {
        int dev = drv.boundDevice(VfioBed.DMATEST);
        int msix = VfioIoctl.PCI_MSIX_IRQ_INDEX;
        assertEquals(Errno.ENOTTY, setIrqs(dev, HDR, VfioIoctl.IRQ_SET_DATA_NONE | VfioIoctl.IRQ_SET_ACTION_MASK, msix, 0, 1,
                new byte[0]), "MSI-X masking is not exported");
        assertEquals(Errno.ENOTTY, setIrqs(dev, HDR, VfioIoctl.IRQ_SET_DATA_NONE | VfioIoctl.IRQ_SET_ACTION_UNMASK,
                VfioIoctl.PCI_REQ_IRQ_INDEX, 0, 1, new byte[0]));
        assertEquals(Errno.EINVAL, setIrqs(dev, HDR, NONE_TRIGGER, VfioIoctl.PCI_ERR_IRQ_INDEX, 0, 1, new byte[0]),
                "nothing to loop back: no ERR eventfd");
        assertEquals(Errno.EINVAL, setIrqs(dev, HDR, NONE_TRIGGER, msix, 0, 0, new byte[0]), "MSI-X is not enabled");
        assertEquals(Errno.EBADF, setIrqs(dev, HDR + 4, FD_TRIGGER, msix, 0, 1, VfioBed.ints(300)));
        int iommufd = bed.open(Iommufd.PATH);
        assertEquals(Errno.EINVAL, setIrqs(dev, HDR + 4, FD_TRIGGER, msix, 0, 1, VfioBed.ints(iommufd)),
                "not an eventfd");
        assertEquals(0, bed.counter("vfio_host_vectors"), "the failed enable was undone");
    }

    @Test
    void msixVectorsGetHostVectorsTheDevicesMessagesSignalAndCountZeroDisables() {
        int dev = drv.boundDevice(VfioBed.DMATEST);
        int e0 = bed.eventfd();
        int e1 = bed.eventfd();
        drv.setIrqEventfds(dev, VfioIoctl.PCI_MSIX_IRQ_INDEX, 0, e0, -1);
        assertEquals(1, bed.counter("vfio_host_vectors"), "-1 leaves a vector unassigned");
        drv.setIrqEventfds(dev, VfioIoctl.PCI_MSIX_IRQ_INDEX, 1, e1);
        assertEquals(2, bed.counter("vfio_host_vectors"), "vectors can be added while enabled");
        assertEquals(Errno.EINVAL, setIrqs(dev, HDR + 4, FD_TRIGGER, VfioIoctl.PCI_INTX_IRQ_INDEX, 0, 1, VfioBed.ints(e0)),
                "INTx cannot be enabled next to MSI-X");
        drv.setIrqs(dev, HDR, NONE_TRIGGER, VfioIoctl.PCI_MSIX_IRQ_INDEX, 1, 1, new byte[0]);
        assertEquals(1, bed.eventFd(e1).counter(), "DATA_NONE|TRIGGER loops back to the eventfd");
        drv.enableBusMaster(dev);
        drv.dmaFill(dev, 0x1000, 4, 0);
        assertEquals(1, bed.eventFd(e0).counter(), "completion raised vector 0");
        drv.setIrqs(dev, HDR, NONE_TRIGGER, VfioIoctl.PCI_MSIX_IRQ_INDEX, 0, 0, new byte[0]);
        assertEquals(0, bed.counter("vfio_host_vectors"));
        assertEquals(false, bed.function(VfioBed.DMATEST).msixEnabled());
    }

    @Test
    void intxIsAutomaskedOnAssertAndFiresAgainOnUnmaskWhileStillAsserted() {
        int dev = drv.boundDevice(VfioBed.DMATEST);
        int efd = bed.eventfd();
        drv.setIrqEventfds(dev, VfioIoctl.PCI_INTX_IRQ_INDEX, 0, efd);
        drv.enableBusMaster(dev);
        drv.dmaFill(dev, 0x1000, 4, 0);
        assertEquals(1, bed.eventFd(efd).counter(), "completion asserted INTA");
        assertTrue((bed.function(VfioBed.DMATEST).configRead(PciConfig.COMMAND, 2) & PciConfig.COMMAND_INTX_DISABLE) != 0,
                "VFIO masked the line at the device");
        assertEquals(0, bed.pread(dev, VfioIoctl.PCI_CONFIG_REGION_INDEX, PciConfig.COMMAND, 2)
                & PciConfig.COMMAND_INTX_DISABLE, "the user's view of INTxDisable is its own");
        int unmask = VfioIoctl.IRQ_SET_DATA_NONE | VfioIoctl.IRQ_SET_ACTION_UNMASK;
        drv.setIrqs(dev, HDR, unmask, VfioIoctl.PCI_INTX_IRQ_INDEX, 0, 1, new byte[0]);
        assertEquals(2, bed.eventFd(efd).counter(), "the device still asserts, so unmasking fires again");
        bed.pwrite(dev, 0, DmaTestDevice.REG_IRQ_STATUS, 4, 1);
        drv.setIrqs(dev, HDR, unmask, VfioIoctl.PCI_INTX_IRQ_INDEX, 0, 1, new byte[0]);
        assertEquals(2, bed.eventFd(efd).counter(), "acknowledged at the device: no new interrupt");
        assertEquals(Errno.EINVAL, setIrqs(dev, HDR, unmask, VfioIoctl.PCI_INTX_IRQ_INDEX, 0, 2, new byte[0]));
    }

    @Test
    void theVirtualIntxDisableBitMasksInterrupts() {
        int dev = drv.boundDevice(VfioBed.EDU);
        int efd = bed.eventfd();
        drv.setIrqEventfds(dev, VfioIoctl.PCI_INTX_IRQ_INDEX, 0, efd);
        bed.pwrite(dev, VfioIoctl.PCI_CONFIG_REGION_INDEX, PciConfig.COMMAND, 2,
                PciConfig.COMMAND_MEMORY | PciConfig.COMMAND_INTX_DISABLE);
        bed.pwrite(dev, 0, 0x60, 4, 1);
        assertEquals(0, bed.eventFd(efd).counter(), "disabled in the command register");
        bed.pwrite(dev, VfioIoctl.PCI_CONFIG_REGION_INDEX, PciConfig.COMMAND, 2, PciConfig.COMMAND_MEMORY);
        assertEquals(1, bed.eventFd(efd).counter(), "re-enabled while the device asserts");
    }

    @Test
    void msiOnEduIsProgrammedWithAHostVectorAndSignalsItsEventfdOnceBusMasteringIsOn() {
        int dev = drv.boundDevice(VfioBed.EDU);
        int efd = bed.eventfd();
        drv.setIrqEventfds(dev, VfioIoctl.PCI_MSI_IRQ_INDEX, 0, efd);
        int cap = bed.function(VfioBed.EDU).findCapability(PciConfig.CAP_ID_MSI);
        assertEquals(0xFEE0_0000L, bed.function(VfioBed.EDU).configRead(cap + PciConfig.MSI_ADDRESS_LO, 4) & 0xFFF0_0000L);
        assertTrue(bed.function(VfioBed.EDU).msiEnabled());
        drv.enableBusMaster(dev);
        bed.pwrite(dev, 0, 0x60, 4, 1);
        assertEquals(1, bed.eventFd(efd).counter());
        assertEquals(0, bed.pread(dev, VfioIoctl.PCI_CONFIG_REGION_INDEX, cap + PciConfig.MSI_ADDRESS_LO, 4),
                "the user still sees its own (unprogrammed) MSI address");
        assertEquals(Errno.EINVAL, setIrqs(dev, HDR + 4, FD_TRIGGER, VfioIoctl.PCI_MSI_IRQ_INDEX, 1, 1,
                VfioBed.ints(efd)), "edu has a single MSI vector");
    }

    @Test
    void errAndReqTakeOneEventfdAndLoopBack() {
        int dev = drv.boundDevice(VfioBed.DMATEST);
        int efd = bed.eventfd();
        drv.setIrqEventfds(dev, VfioIoctl.PCI_ERR_IRQ_INDEX, 0, efd);
        drv.setIrqs(dev, HDR + 1, VfioIoctl.IRQ_SET_DATA_BOOL | VfioIoctl.IRQ_SET_ACTION_TRIGGER,
                VfioIoctl.PCI_ERR_IRQ_INDEX, 0, 1, new byte[] {1});
        assertEquals(1, bed.eventFd(efd).counter());
        drv.setIrqs(dev, HDR, NONE_TRIGGER, VfioIoctl.PCI_ERR_IRQ_INDEX, 0, 0, new byte[0]);
        assertEquals(Errno.EINVAL, setIrqs(dev, HDR, NONE_TRIGGER, VfioIoctl.PCI_ERR_IRQ_INDEX, 0, 1, new byte[0]),
                "count 0 dropped the eventfd");
    }
}
