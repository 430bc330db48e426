package dev.vplat.vfio.uapi;

/**
 * struct iommu_test_cmd of drivers/iommu/iommufd/iommufd_test.h (the 6.18 layout: a 48-byte,
 * 8-aligned union, so {@code last} sits at 64 and sizeof is 72) and the union members the
 * emulation serves. The union body travels as bytes and is decoded per op with the member
 * record, as the kernel reads {@code cmd->mock_domain}, {@code cmd->access_pages}, ...
 */
public final class IommufdTestStructs {
    public static final int UNION_SIZE = 48;

    public static final int OP_ADD_RESERVED = 1;
    public static final int OP_MOCK_DOMAIN = 2;
    public static final int OP_MD_CHECK_MAP = 3;
    public static final int OP_MD_CHECK_REFS = 4;
    public static final int OP_CREATE_ACCESS = 5;
    public static final int OP_DESTROY_ACCESS_PAGES = 6;
    public static final int OP_ACCESS_PAGES = 7;
    public static final int OP_ACCESS_RW = 8;
    public static final int OP_SET_TEMP_MEMORY_LIMIT = 9;
    public static final int OP_MOCK_DOMAIN_REPLACE = 10;
    public static final int OP_ACCESS_REPLACE_IOAS = 11;
    public static final int OP_MOCK_DOMAIN_FLAGS = 12;
    public static final int OP_DIRTY = 13;

    public static final long MOCK_APERTURE_START = 1L << 24;
    public static final long MOCK_APERTURE_LAST = (1L << 31) - 1;
    /** MOCK_IO_PAGE_SIZE = PAGE_SIZE / 2. */
    public static final long MOCK_IO_PAGE_SIZE = 2048;

    public static final int MOCK_FLAGS_ACCESS_WRITE = 1 << 0;
    public static final int MOCK_FLAGS_ACCESS_SYZ = 1 << 16;
    public static final int MOCK_ACCESS_RW_WRITE = 1 << 0;
    public static final int MOCK_ACCESS_RW_SLOW_PATH = 1 << 2;
    public static final int MOCK_FLAGS_ACCESS_CREATE_NEEDS_PIN_PAGES = 1 << 0;
    public static final int MOCK_FLAGS_DEVICE_NO_DIRTY = 1 << 0;

    /** IOMMU_HW_INFO_TYPE_SELFTEST and the register value the mock reports. */
    public static final int HW_INFO_TYPE_SELFTEST = 0xfeedbeef;
    public static final int HW_INFO_SELFTEST_REGVAL = 0xdeadbeef;

    private IommufdTestStructs() {
    }

    /** struct iommu_test_cmd with the union as raw bytes. */
    public record IommuTestCmd(int size, int op, int id, int reserved,
                               @CArray(length = UNION_SIZE, align = 8) byte[] body, int last) {
        public <R extends Record> R body(Class<R> member) {
            return Uapi.decode(member, body);
        }

        public IommuTestCmd withBody(Record member) {
            return new IommuTestCmd(size, op, id, reserved, Uapi.encode(member), last);
        }
    }

    public record AddReserved(long start, long length) { }

    public record MockDomain(int outStdevId, int outHwptId, int outIdevId) { }

    public record MockDomainFlags(int outStdevId, int outHwptId, int outIdevId, int devFlags) { }

    public record MockDomainReplace(int ptId) { }

    public record CheckMap(long iova, long length, long uptr) { }

    public record CheckRefs(long length, long uptr, int refs) { }

    public record CreateAccess(int outAccessFd, int flags) { }

    public record DestroyAccessPages(int accessPagesId) { }

    public record AccessPages(int flags, int outAccessPagesId, long iova, long length, long uptr) { }

    public record AccessRw(long iova, long length, long uptr, int flags) { }

    public record MemoryLimit(int limit) { }

    public record Dirty(int flags, long iova, long length, long pageSize, long uptr, long outNrDirty) { }

    /** struct iommu_test_hw_info, what the mock unit reports through GET_HW_INFO. */
    public record IommuTestHwInfo(int flags, int testReg) { }
}
