package dev.vplat.vfio.iommu;

import dev.vplat.pci.RequesterId;
import dev.vplat.platform.trace.Trace;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DMA-ownership contract of drivers/iommu/iommu.c, conflict matrix of the fact sheet §1.3:
 * rows are requests, columns the group state (unowned, kernel, user A, user B).
 */
class DmaOwnershipTest {
    private final RecordingIommu unit = new RecordingIommu("dmar0", false, 0);
    private final RecordingIommu otherUnit = new RecordingIommu("dmar1", false, 1);
    private IommuCore core;
    /** Two functions of one multifunction slot without ACS: topology group 1. */
    private IommuDevice fn0;
    private IommuDevice fn1;
    /** A single-function device alone in topology group 2. */
    private IommuDevice solo;
    private IommuGroup shared;
    private final Object ownerA = new Object();
    private final Object ownerB = new Object();

    @BeforeEach
    void setUp() {
        core = new IommuCore(List.of(unit, otherUnit), new Trace());
        fn0 = core.addDevice(RequesterId.of(0, 2, 0), 1);
        fn1 = core.addDevice(RequesterId.of(0, 2, 1), 1);
        solo = core.addDevice(RequesterId.of(0, 3, 0), 2);
        shared = fn0.group();
    }

    private static void assertErrno(Errno expected, Executable call) {
        ErrnoException e = assertThrows(ErrnoException.class, call);
        assertEquals(expected, e.errno(), e.getMessage());
    }

    private void assertGroupIn(IommuGroup g, IommuDomain domain) {
        assertSame(domain, g.domain());
        for (IommuDevice d : g.devices()) {
            assertSame(domain, unit.attached.get(d.rid()), d + " must be in the group's domain");
        }
    }

    @Test
    void devicesOfOneTopologyGroupShareAnIommuGroupAndStartInTheDefaultDomain() {
        assertSame(shared, fn1.group());
        assertTrue(solo.group() != shared);
        assertEquals(List.of(fn0, fn1), shared.devices());
        assertGroupIn(shared, shared.defaultDomain());
        assertEquals(DmaOwnership.NONE, shared.ownership());
    }

    @Test
    void kernelProbeIntoUnownedGroupCountsOneUser() {
        core.useDefaultDomain(fn0);
        assertEquals(DmaOwnership.KERNEL, shared.ownership());
        assertEquals(1, shared.ownerCount());
    }

    @Test
    void kernelProbeIntoKernelGroupAddsAUser() {
        core.useDefaultDomain(fn0);
        core.useDefaultDomain(fn1);
        assertEquals(2, shared.ownerCount());
        assertNull(shared.owner());
    }

    @Test
    void kernelProbeIntoUserOwnedGroupFailsWithEbusyAndChangesNothing() {
        fn0.claimDmaOwner(ownerA);
        assertErrno(Errno.EBUSY, () -> core.useDefaultDomain(fn1));
        assertEquals(1, shared.ownerCount());
        assertSame(ownerA, shared.owner());
        assertTrue(!fn1.kernelDmaUser());
        assertGroupIn(shared, shared.blockingDomain());
    }

    @Test
    void groupClaimOfUnownedGroupAttachesBlockingToEveryDevice() {
        core.groupClaimDmaOwner(shared, ownerA);
        assertEquals(DmaOwnership.USER, shared.ownership());
        assertEquals(DomainType.BLOCKED, shared.blockingDomain().type());
        assertGroupIn(shared, shared.blockingDomain());
    }

    @Test
    void groupClaimWhileAKernelDriverIsBoundFailsWithEperm() {
        core.useDefaultDomain(fn1);
        assertErrno(Errno.EPERM, () -> core.groupClaimDmaOwner(shared, ownerA));
        assertGroupIn(shared, shared.defaultDomain());
    }

    @Test
    void groupClaimIsExclusiveEvenForTheSameOwner() {
        core.groupClaimDmaOwner(shared, ownerA);
        assertErrno(Errno.EPERM, () -> core.groupClaimDmaOwner(shared, ownerA));
        assertErrno(Errno.EPERM, () -> core.groupClaimDmaOwner(shared, ownerB));
        assertEquals(1, shared.ownerCount());
    }

    @Test
    void deviceClaimWhileASiblingHasAKernelDriverFailsWithEperm() {
        core.useDefaultDomain(fn1);
        assertErrno(Errno.EPERM, () -> fn0.claimDmaOwner(ownerA));
        assertNull(fn0.claimedBy());
        assertEquals(DmaOwnership.KERNEL, shared.ownership());
    }

    @Test
    void deviceClaimsBySameOwnerShareTheGroup() {
        fn0.claimDmaOwner(ownerA);
        IommuDomain blocking = shared.blockingDomain();
        fn1.claimDmaOwner(ownerA);
        assertEquals(2, shared.ownerCount());
        assertGroupIn(shared, blocking);
        assertEquals(1, unit.allocations.get(DomainType.BLOCKED));
    }

    @Test
    void deviceClaimByAnotherOwnerFailsWithEperm() {
        fn0.claimDmaOwner(ownerA);
        assertErrno(Errno.EPERM, () -> fn1.claimDmaOwner(ownerB));
        assertEquals(1, shared.ownerCount());
    }

    @Test
    void deviceClaimOfAGroupClaimedByTheSameOwnerShares() {
        core.groupClaimDmaOwner(shared, ownerA);
        fn0.claimDmaOwner(ownerA);
        assertEquals(2, shared.ownerCount());
    }

    @Test
    void claimWithoutOwnerObjectFailsWithEinval() {
        assertErrno(Errno.EINVAL, () -> fn0.claimDmaOwner(null));
        assertErrno(Errno.EINVAL, () -> core.groupClaimDmaOwner(shared, null));
    }

    @Test
    void claimingTheSameDeviceTwiceFailsWithEbusy() {
        fn0.claimDmaOwner(ownerA);
        assertErrno(Errno.EBUSY, () -> fn0.claimDmaOwner(ownerA));
    }

    @Test
    void onlyTheLastReleaseRestoresTheDefaultDomain() {
        fn0.claimDmaOwner(ownerA);
        fn1.claimDmaOwner(ownerA);
        fn0.releaseDmaOwner(ownerA);
        assertEquals(1, shared.ownerCount());
        assertGroupIn(shared, shared.blockingDomain());
        fn1.releaseDmaOwner(ownerA);
        assertEquals(DmaOwnership.NONE, shared.ownership());
        assertNull(shared.owner());
        assertGroupIn(shared, shared.defaultDomain());
    }

    @Test
    void releaseByAnOwnerThatDidNotClaimFailsWithEinval() {
        fn0.claimDmaOwner(ownerA);
        assertErrno(Errno.EINVAL, () -> fn0.releaseDmaOwner(ownerB));
        assertErrno(Errno.EINVAL, () -> fn1.releaseDmaOwner(ownerA));
        assertEquals(1, shared.ownerCount());
    }

    @Test
    void kernelProbeSucceedsAgainAfterTheUserReleased() {
        fn0.claimDmaOwner(ownerA);
        fn0.releaseDmaOwner(ownerA);
        core.useDefaultDomain(fn1);
        assertEquals(DmaOwnership.KERNEL, shared.ownership());
    }

    @Test
    void userClaimSucceedsAfterTheKernelDriverWasRemoved() {
        core.useDefaultDomain(fn1);
        core.unuseDefaultDomain(fn1);
        fn0.claimDmaOwner(ownerA);
        assertSame(ownerA, shared.owner());
    }

    @Test
    void attachingAUserDomainMovesTheWholeGroupAndDetachReturnsToBlocking() {
        fn0.claimDmaOwner(ownerA);
        IommuDomain paging = unit.paging();
        fn0.attach(paging, ownerA);
        assertGroupIn(shared, paging);
        fn0.detach(ownerA);
        assertGroupIn(shared, shared.blockingDomain());
    }

    @Test
    void lastReleaseWithAUserDomainAttachedRestoresTheDefaultDomain() {
        fn0.claimDmaOwner(ownerA);
        fn0.attach(unit.paging(), ownerA);
        fn0.releaseDmaOwner(ownerA);
        assertGroupIn(shared, shared.defaultDomain());
    }

    @Test
    void attachingASecondUserDomainFailsWithEbusyButReplaceSwitches() {
        fn0.claimDmaOwner(ownerA);
        fn0.attach(unit.paging(), ownerA);
        IommuDomain second = unit.paging();
        assertErrno(Errno.EBUSY, () -> fn1.attach(second, ownerA));
        fn1.replace(second, ownerA);
        assertGroupIn(shared, second);
    }

    @Test
    void attachingADomainOfAnotherUnitFailsWithEinval() {
        fn0.claimDmaOwner(ownerA);
        IommuDomain foreign = otherUnit.paging();
        assertErrno(Errno.EINVAL, () -> fn0.attach(foreign, ownerA));
        assertGroupIn(shared, shared.blockingDomain());
    }

    @Test
    void attachingWithoutOwningTheGroupFailsWithEperm() {
        IommuDomain paging = unit.paging();
        assertErrno(Errno.EPERM, () -> fn0.attach(paging, ownerA));
        fn0.claimDmaOwner(ownerA);
        assertErrno(Errno.EPERM, () -> fn0.attach(paging, ownerB));
    }

    @Test
    void aDeviceRefusingTheDomainLeavesTheWholeGroupWhereItWas() {
        fn0.claimDmaOwner(ownerA);
        unit.refuse.add(fn1.rid());
        IommuDomain paging = unit.paging();
        assertErrno(Errno.EINVAL, () -> fn0.attach(paging, ownerA));
        assertGroupIn(shared, shared.blockingDomain());
    }

    @Test
    void aDeviceNoHostIommuCoversHasNoGroupAndCannotBeClaimed() {
        IommuDevice outside = core.addDevice(RequesterId.of(5, 0, 0), 9);
        assertNull(outside.group());
        core.useDefaultDomain(outside);
        assertErrno(Errno.ENODEV, () -> outside.claimDmaOwner(ownerA));
        assertEquals(List.of(), outside.reservedRegions());
    }

    @Test
    void dmaOwnerClaimsCountsUserClaimsOnly() {
        core.useDefaultDomain(solo);
        fn0.claimDmaOwner(ownerA);
        fn1.claimDmaOwner(ownerA);
        assertEquals(2, core.dmaOwnerClaims());
        fn1.releaseDmaOwner(ownerA);
        assertEquals(1, core.dmaOwnerClaims());
    }

    @Test
    void aUnitThatGroupsPerDeviceGivesEachDeviceItsOwnGroup() {
        RecordingIommu mock = new RecordingIommu("mock0", true, 7);
        IommuCore perDevice = new IommuCore(List.of(mock), new Trace());
        IommuDevice a = perDevice.addDevice(RequesterId.of(7, 0, 0), 4);
        IommuDevice b = perDevice.addDevice(RequesterId.of(7, 0, 1), 4);
        assertTrue(a.group() != b.group());
        assertEquals(List.of(0, 1), perDevice.groups().stream().map(IommuGroup::id).toList());
    }
}
