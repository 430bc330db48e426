package dev.vplat.vfio.uapi;

/**
 * The structs of include/uapi/linux/iommufd.h (Linux 6.18), member for member; see {@link Uapi}
 * for how a record maps to the C layout. Each command struct starts with its {@code size}, the
 * number of bytes the caller provides, which is how the kernel extends structs compatibly.
 * The {@code with...} methods build the copy a handler writes back.
 */
public final class IommufdStructs {
    private IommufdStructs() {
    }

    /** struct iommu_destroy. */
    public record IommuDestroy(int size, int id) { }

    /** struct iommu_ioas_alloc. */
    public record IommuIoasAlloc(int size, int flags, int outIoasId) {
        public IommuIoasAlloc withOutIoasId(int id) {
            return new IommuIoasAlloc(size, flags, id);
        }
    }

    /** struct iommu_iova_range: an inclusive IOVA interval. */
    public record IommuIovaRange(long start, long last) { }

    /** struct iommu_ioas_iova_ranges. */
    public record IommuIoasIovaRanges(int size, int ioasId, int numIovas, int reserved, long allowedIovas,
                                      long outIovaAlignment) {
        public IommuIoasIovaRanges withResult(int num, long alignment) {
            return new IommuIoasIovaRanges(size, ioasId, num, reserved, allowedIovas, alignment);
        }
    }

    /** struct iommu_ioas_allow_iovas. */
    public record IommuIoasAllowIovas(int size, int ioasId, int numIovas, int reserved, long allowedIovas) { }

    /** struct iommu_ioas_map. */
    public record IommuIoasMap(int size, int flags, int ioasId, int reserved, long userVa, long length, long iova) {
        public IommuIoasMap withIova(long v) {
            return new IommuIoasMap(size, flags, ioasId, reserved, userVa, length, v);
        }
    }

    /** struct iommu_ioas_copy. */
    public record IommuIoasCopy(int size, int flags, int dstIoasId, int srcIoasId, long length, long dstIova,
                                long srcIova) {
        public IommuIoasCopy withDstIova(long v) {
            return new IommuIoasCopy(size, flags, dstIoasId, srcIoasId, length, v, srcIova);
        }
    }

    /** struct iommu_ioas_unmap. */
    public record IommuIoasUnmap(int size, int ioasId, long iova, long length) {
        public IommuIoasUnmap withLength(long v) {
            return new IommuIoasUnmap(size, ioasId, iova, v);
        }
    }

    /** struct iommu_option. */
    public record IommuOption(int size, int optionId, short op, short reserved, int objectId, long val64) {
        public IommuOption withVal64(long v) {
            return new IommuOption(size, optionId, op, reserved, objectId, v);
        }
    }

    /** struct iommu_vfio_ioas. */
    public record IommuVfioIoas(int size, int ioasId, short op, short reserved) {
        public IommuVfioIoas withIoasId(int id) {
            return new IommuVfioIoas(size, id, op, reserved);
        }
    }

    /** struct iommu_hwpt_alloc (fault_id since 6.11). */
    public record IommuHwptAlloc(int size, int flags, int devId, int ptId, int outHwptId, int reserved, int dataType,
                                 int dataLen, long dataUptr, int faultId, int reserved2) {
        public IommuHwptAlloc withOutHwptId(int id) {
            return new IommuHwptAlloc(size, flags, devId, ptId, id, reserved, dataType, dataLen, dataUptr, faultId,
                    reserved2);
        }
    }

    /**
     * struct iommu_hw_info; {@code dataType} is the in_data_type/out_data_type union,
     * {@code reserved} the three {@code __reserved} bytes.
     */
    public record IommuHwInfo(int size, int flags, int devId, int dataLen, long dataUptr, int dataType,
                              byte outMaxPasidLog2, @CArray(length = 3) byte[] reserved, long outCapabilities) {
        public IommuHwInfo withResult(int len, int type, long capabilities) {
            return new IommuHwInfo(size, flags, devId, len, dataUptr, type, (byte) 0, reserved, capabilities);
        }
    }

    /** struct iommu_hw_info_vtd: the VT-d CAP and ECAP registers (VT-d spec 11.4.2, 11.4.3). */
    public record IommuHwInfoVtd(int flags, int reserved, long capReg, long ecapReg) { }

    /** struct iommu_hwpt_set_dirty_tracking. */
    public record IommuHwptSetDirtyTracking(int size, int flags, int hwptId, int reserved) { }

    /** struct iommu_hwpt_get_dirty_bitmap. */
    public record IommuHwptGetDirtyBitmap(int size, int hwptId, int flags, int reserved, long iova, long length,
                                          long pageSize, long data) { }
}
