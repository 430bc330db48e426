package dev.vplat.guest.suites;

import dev.vplat.guest.client.IoctlResult;
import dev.vplat.guest.client.Iommufd;
import dev.vplat.guest.client.UserBuffer;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.client.VplatException;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIovaRange;
import dev.vplat.vfio.uapi.IommufdTestStructs.CheckMap;
import dev.vplat.vfio.uapi.IommufdTestStructs.IommuTestCmd;
import dev.vplat.vfio.uapi.IommufdTestStructs.MockDomain;
import dev.vplat.vfio.uapi.Uapi;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.vplat.vfio.uapi.IommufdIoctl.IOMMU_TEST_CMD;
import static dev.vplat.vfio.uapi.IommufdTestStructs.OP_MD_CHECK_MAP;
import static dev.vplat.vfio.uapi.IommufdTestStructs.OP_MOCK_DOMAIN;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Suite 5 (part 2): iommufd semantics on the mock unit of the Linux selftests, created with
 * IOMMU_TEST_CMD MOCK_DOMAIN (drivers/iommu/iommufd/iommufd_test.h, 6.18 layout: 72-byte
 * struct, a 48-byte union at 16). Needs a server started with {@code --test-hooks}; without
 * them IOMMU_TEST_CMD is ENOTTY and the tests are skipped.
 */
@GuestSuite(testHooks = true)
@DisplayName("5 iommufd on the mock unit")
public class IommufdMockSuite {
    /** The mock's aperture: MOCK_APERTURE_START 1 << 24 to MOCK_APERTURE_LAST (1 << 31) - 1. */
    static final long APERTURE_START = 1L << 24, APERTURE_LAST = (1L << 31) - 1;

    /** IOMMU_TEST_CMD {@code op} on object {@code id} with {@code member} as the union; the command the call left. */
    private static IommuTestCmd testCmd(VplatClient user, Iommufd iommufd, int op, int id, Record member) {
        IommuTestCmd cmd = new IommuTestCmd(Uapi.sizeOf(IommuTestCmd.class), op, id, 0, Uapi.encode(member), 0);
        IoctlResult r = user.ioctl(iommufd.fd(), IOMMU_TEST_CMD, Uapi.encode(cmd));
        return Uapi.decode(IommuTestCmd.class, r.struct());
    }

    private static Iommufd openIommufd(VplatClient user) {
        HostRig.requireIommufd(user);
        return user.openIommufd();
    }

    private static MockDomain mockDomain(VplatClient user, Iommufd iommufd, int ioas) {
        try {
            return testCmd(user, iommufd, OP_MOCK_DOMAIN, ioas, new MockDomain(0, 0, 0)).body(MockDomain.class);
        } catch (VplatException e) {
            Assumptions.assumeFalse(e.errno() == 25, "IOMMU_TEST_CMD is ENOTTY: start the server with --test-hooks");
            throw e;
        }
    }

    private static void checkMap(VplatClient user, Iommufd iommufd, int hwpt, long iova, long length, long uptr) {
        testCmd(user, iommufd, OP_MD_CHECK_MAP, hwpt, new CheckMap(iova, length, uptr));
    }

    @Test
    void aMockDomainNarrowsTheIoasToTheMockAperture(SuiteTarget target) {
        VplatClient user = target.user("mock-ranges");
        Iommufd iommufd = openIommufd(user);
        int ioas = iommufd.ioasAlloc();
        mockDomain(user, iommufd, ioas);

        assertEquals(List.of(new IommuIovaRange(APERTURE_START, APERTURE_LAST)), iommufd.iovaRanges(ioas).ranges());
    }

    @Test
    void aMappingIsInTheMockPageTableUntilUnmapped(SuiteTarget target) {
        VplatClient user = target.user("mock-map");
        Iommufd iommufd = openIommufd(user);
        int ioas = iommufd.ioasAlloc();
        MockDomain mock = mockDomain(user, iommufd, ioas);
        UserBuffer buf = user.mmap(4 * 4096);
        iommufd.mapFixed(ioas, buf, APERTURE_START);

        checkMap(user, iommufd, mock.outHwptId(), APERTURE_START, buf.length(), buf.address());
        iommufd.unmap(ioas, APERTURE_START, buf.length());

        VplatException e = assertThrows(VplatException.class,
                () -> checkMap(user, iommufd, mock.outHwptId(), APERTURE_START, buf.length(), buf.address()));
        assertEquals(22, e.errno(), "MD_CHECK_MAP of an unmapped IOVA is EINVAL (iommufd_test_md_check_pa)");
    }

    @Test
    void aFixedMapOutsideTheApertureIsRefused(SuiteTarget target) {
        VplatClient user = target.user("mock-aperture");
        Iommufd iommufd = openIommufd(user);
        int ioas = iommufd.ioasAlloc();
        mockDomain(user, iommufd, ioas);
        UserBuffer buf = user.mmap(4096);

        VplatException e = assertThrows(VplatException.class, () -> iommufd.mapFixed(ioas, buf, 0x1000));
        assertEquals(22, e.errno(), "EINVAL: outside the aperture is reserved IOVA (iopt_check_iova)");
    }

    @Test
    void anIoasWithAMockDomainCannotBeDestroyedWhileInUse(SuiteTarget target) {
        VplatClient user = target.user("mock-busy");
        Iommufd iommufd = openIommufd(user);
        int ioas = iommufd.ioasAlloc();
        mockDomain(user, iommufd, ioas);

        VplatException e = assertThrows(VplatException.class, () -> iommufd.destroy(ioas));
        assertEquals(16, e.errno(), "EBUSY while the mock device's HWPT uses it");
    }
}
