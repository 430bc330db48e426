package dev.vplat.guest.client.uapi;

/** {@code struct iommu_destroy} (iommufd.h): size, id. Destroys any iommufd object by id. */
public record IommuDestroy(int id) implements UapiStruct {
    public static final int SIZE = 8;

    @Override
    public byte[] encode() {
        return new LeWriter(SIZE).u32(SIZE).u32(id).toBytes();
    }
}
