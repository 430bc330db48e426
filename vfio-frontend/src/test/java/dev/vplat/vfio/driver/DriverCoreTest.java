package dev.vplat.vfio.driver;

import dev.vplat.pci.RequesterId;
import dev.vplat.platform.trace.Trace;
import dev.vplat.vfio.iommu.DmaOwnership;
import dev.vplat.vfio.iommu.IommuCore;
import dev.vplat.vfio.iommu.IommuGroup;
import dev.vplat.vfio.iommu.RecordingIommu;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** sysfs bind/unbind semantics with pci_dma_configure around probe (drivers/pci/pci-driver.c). */
class DriverCoreTest {
    private final IommuCore iommu = new IommuCore(List.of(new RecordingIommu("dmar0", false, 0)), new Trace());
    private final DriverCore core = new DriverCore(iommu, new Trace());
    private final Object user = new Object();
    private final List<String> events = new ArrayList<>();
    private HostDevice edu;
    private HostDevice dmatest;

    @BeforeEach
    void setUp() {
        // Two functions of one slot without ACS: one IOMMU group.
        edu = device(RequesterId.of(0, 3, 0), "edu", 1);
        dmatest = device(RequesterId.of(0, 3, 1), "dmatest", 1);
        core.registerDriver(HostDriver.dmaApi("edu"));
        core.registerDriver(HostDriver.dmaApi("dmatest"));
        core.registerDriver(HostDriver.vfioPci());
        core.registerDriver(HostDriver.pciStub());
        core.addListener(new DriverBindingListener() {
            @Override
            public void onBound(HostDevice device, HostDriver driver) {
                events.add("bound " + device + " " + driver);
            }

            @Override
            public void onUnbound(HostDevice device, HostDriver driver) {
                events.add("unbound " + device + " " + driver);
            }
        });
    }

    private HostDevice device(RequesterId rid, String type, int topologyGroup) {
        HostDevice d = new HostDevice(rid, type, iommu.addDevice(rid, topologyGroup));
        core.addDevice(d);
        return d;
    }

    private static void assertErrno(Errno expected, Executable call) {
        ErrnoException e = assertThrows(ErrnoException.class, call);
        assertEquals(expected, e.errno(), e.getMessage());
    }

    private IommuGroup group() {
        return edu.iommu().group();
    }

    @Test
    void bindingADmaApiDriverTakesTheDefaultDomainAndTellsListeners() {
        core.bind("0000:00:03.0 edu");
        assertEquals("edu", edu.driver().name());
        assertEquals(DmaOwnership.KERNEL, group().ownership());
        assertEquals(List.of("bound 0000:00:03.0 edu"), events);
    }

    @Test
    void bindingToABoundDeviceFailsWithEbusy() {
        core.bind("0000:00:03.0 edu");
        assertErrno(Errno.EBUSY, () -> core.bind("0000:00:03.0 vfio-pci"));
        assertEquals("edu", edu.driver().name());
    }

    @Test
    void unknownDriverOrDeviceFailsWithEnodev() {
        assertErrno(Errno.ENODEV, () -> core.bind("0000:00:03.0 e1000"));
        assertErrno(Errno.ENODEV, () -> core.bind("0000:00:09.0 edu"));
        assertErrno(Errno.ENODEV, () -> core.bind("garbage edu"));
        assertErrno(Errno.ENODEV, () -> core.unbind("0000:00:09.0"));
    }

    @Test
    void aDmaApiDriverDoesNotMatchAnotherDeviceType() {
        assertErrno(Errno.ENODEV, () -> core.bind("0000:00:03.1 edu"));
        assertNull(dmatest.driver());
    }

    @Test
    void driverManagedDmaDriversDoNotCountAsDmaUsers() {
        core.bind("0000:00:03.0 vfio-pci");
        core.bind("0000:00:03.1 pci-stub");
        assertEquals(DmaOwnership.NONE, group().ownership());
    }

    @Test
    void vfioPciBindsBesideADmaApiSiblingButTheUserClaimThenFailsWithEperm() {
        core.bind("0000:00:03.1 dmatest");
        core.bind("0000:00:03.0 vfio-pci");
        assertErrno(Errno.EPERM, () -> edu.iommu().claimDmaOwner(user));
    }

    @Test
    void probingADmaApiDriverIntoAUserOwnedGroupFailsWithEbusyAndLeavesTheDeviceUnbound() {
        core.bind("0000:00:03.0 vfio-pci");
        edu.iommu().claimDmaOwner(user);
        events.clear();
        assertErrno(Errno.EBUSY, () -> core.bind("0000:00:03.1 dmatest"));
        assertNull(dmatest.driver());
        assertEquals(1, group().ownerCount());
        assertEquals(List.of(), events);
    }

    @Test
    void aDriverManagedDmaDriverBindsIntoAUserOwnedGroup() {
        core.bind("0000:00:03.0 vfio-pci");
        edu.iommu().claimDmaOwner(user);
        core.bind("0000:00:03.1 pci-stub");
        assertEquals("pci-stub", dmatest.driver().name());
    }

    @Test
    void unbindingAnUnboundDeviceFailsWithEnodev() {
        assertErrno(Errno.ENODEV, () -> core.unbind("0000:00:03.0"));
    }

    @Test
    void unbindRemovesTheDmaApiUserSoTheGroupCanBeClaimed() {
        core.bind("0000:00:03.0 edu");
        core.unbind("0000:00:03.0");
        assertNull(edu.driver());
        assertEquals(DmaOwnership.NONE, group().ownership());
        core.bind("0000:00:03.0 vfio-pci");
        edu.iommu().claimDmaOwner(user);
        assertSame(user, group().owner());
        assertEquals(List.of("bound 0000:00:03.0 edu", "unbound 0000:00:03.0 edu", "bound 0000:00:03.0 vfio-pci"), events);
    }

    @Test
    void rebindAfterTheUserReleasedRestoresKernelUse() {
        core.bind("0000:00:03.0 vfio-pci");
        edu.iommu().claimDmaOwner(user);
        edu.iommu().releaseDmaOwner(user);
        core.unbind("0000:00:03.0");
        core.bind("0000:00:03.0 edu");
        core.bind("0000:00:03.1 dmatest");
        assertEquals(2, group().ownerCount());
        assertEquals(DmaOwnership.KERNEL, group().ownership());
    }

    @Test
    void aListenerCanRefuseAnUnbindAndNothingChanges() {
        core.bind("0000:00:03.0 vfio-pci");
        core.addListener(new DriverBindingListener() {
            @Override
            public void beforeUnbind(HostDevice device, HostDriver driver) {
                throw new ErrnoException(Errno.EBUSY, "device fd open");
            }
        });
        assertErrno(Errno.EBUSY, () -> core.unbind("0000:00:03.0"));
        assertEquals("vfio-pci", edu.driver().name());
    }

    @Test
    void aListenerFailingOnBoundFailsTheProbeAndUndoesIt() {
        core.addListener(new DriverBindingListener() {
            @Override
            public void onBound(HostDevice device, HostDriver driver) {
                throw new ErrnoException(Errno.EINVAL, "no IOMMU group");
            }
        });
        assertErrno(Errno.EINVAL, () -> core.bind("0000:00:03.0 edu"));
        assertNull(edu.driver());
        assertEquals(DmaOwnership.NONE, group().ownership());
        assertEquals(List.of("bound 0000:00:03.0 edu", "unbound 0000:00:03.0 edu"), events);
    }
}
