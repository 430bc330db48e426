package dev.vplat.guest.client.uapi;

import java.util.ArrayList;
import java.util.List;

/** {@code struct iommu_iova_range} (iommufd.h): u64 start, u64 last — {@code last} is inclusive. */
public record IommuIovaRange(long start, long last) {
    public static final int SIZE = 16;

    /** Packs an array of ranges, as ALLOW_IOVAS reads it from user memory. */
    public static byte[] encodeAll(List<IommuIovaRange> ranges) {
        LeWriter w = new LeWriter(SIZE * ranges.size());
        for (IommuIovaRange r : ranges) {
            w.u64(r.start).u64(r.last);
        }
        return w.toBytes();
    }

    /** Unpacks {@code count} ranges, as IOVA_RANGES writes them. */
    public static List<IommuIovaRange> decodeAll(byte[] b, int count) {
        LeReader r = new LeReader(b);
        List<IommuIovaRange> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(new IommuIovaRange(r.u64(), r.u64()));
        }
        return List.copyOf(out);
    }
}
