package dev.vplat.guest.suites;

import dev.vplat.guest.client.IoctlResult;
import dev.vplat.guest.client.Iommufd;
import dev.vplat.guest.client.UserBuffer;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.client.VplatException;
import dev.vplat.guest.client.uapi.IommuIovaRange;
import dev.vplat.guest.client.uapi.LeReader;
import dev.vplat.guest.client.uapi.LeWriter;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

import java.util.List;

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
    /** _IO(IOMMUFD_TYPE, IOMMUFD_CMD_BASE + 32). */
    static final int IOMMU_TEST_CMD = 0x3ba0;
    static final int OP_MOCK_DOMAIN = 2, OP_MD_CHECK_MAP = 3;
    static final int CMD_SIZE = 72, UNION_OFFSET = 16;
    /** The mock's aperture: MOCK_APERTURE_START 1 << 24 to MOCK_APERTURE_LAST (1 << 31) - 1. */
    static final long APERTURE_START = 1L << 24, APERTURE_LAST = (1L << 31) - 1;

    private record MockDomain(int stdevId, int hwptId, int idevId) {
    }

    private static byte[] testCmd(int op, int id, byte[] union) {
        return new LeWriter(CMD_SIZE).u32(CMD_SIZE).u32(op).u32(id).u32(0).bytes(union)
                .zeros(CMD_SIZE - UNION_OFFSET - union.length).toBytes();
    }

    private static Iommufd openIommufd(VplatClient user) {
        HostRig.requireIommufd(user);
        return user.openIommufd();
    }

    private static MockDomain mockDomain(VplatClient user, Iommufd iommufd, int ioas) {
        IoctlResult r;
        try {
            r = user.ioctl(iommufd.fd(), IOMMU_TEST_CMD, testCmd(OP_MOCK_DOMAIN, ioas, new byte[12]));
        } catch (VplatException e) {
            Assumptions.assumeFalse(e.errno() == 25, "IOMMU_TEST_CMD is ENOTTY: start the server with --test-hooks");
            throw e;
        }
        LeReader in = new LeReader(r.struct());
        in.skip(UNION_OFFSET);
        return new MockDomain(in.u32(), in.u32(), in.u32());
    }

    private static void checkMap(VplatClient user, Iommufd iommufd, int hwpt, long iova, long length, long uptr) {
        byte[] union = new LeWriter(24).u64(iova).u64(length).u64(uptr).toBytes();
        user.ioctl(iommufd.fd(), IOMMU_TEST_CMD, testCmd(OP_MD_CHECK_MAP, hwpt, union));
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

        checkMap(user, iommufd, mock.hwptId(), APERTURE_START, buf.length(), buf.address());
        iommufd.unmap(ioas, APERTURE_START, buf.length());

        VplatException e = assertThrows(VplatException.class,
                () -> checkMap(user, iommufd, mock.hwptId(), APERTURE_START, buf.length(), buf.address()));
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
