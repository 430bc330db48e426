package dev.vplat.pci.testkit;

import dev.vplat.pci.RequesterId;
import dev.vplat.pci.dma.DmaDirection;
import dev.vplat.pci.dma.DmaTranslator;
import dev.vplat.pci.dma.Translation;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A stand-in IOMMU for device unit tests: either {@link #identity()} (every IOVA is its own
 * physical address) or {@link #mapped()} (only what the test {@link #map}s translates; anything
 * else is a translation fault, a write to a read-only page a permission fault), and in both
 * cases a record of every translation request, so a test can assert the requester ID, PASID
 * and direction its device used. Mappings are kept per 4 KiB page, as an IOMMU's page table
 * would.
 */
public final class FakeIommu implements DmaTranslator {
    /** The translation granule. */
    public static final long PAGE_SIZE = 4096;

    /** One translation the device's DMA asked for. */
    public record Request(RequesterId rid, int pasid, long iova, DmaDirection direction) {
    }

    private record Page(long physical, boolean read, boolean write) {
    }

    private final boolean identity;
    private final Map<Long, Page> pages = new TreeMap<>();
    private final List<Request> requests = new ArrayList<>();
    private int faults;

    private FakeIommu(boolean identity) {
        this.identity = identity;
    }

    /** Translates every address to itself, read and write allowed. */
    public static FakeIommu identity() {
        return new FakeIommu(true);
    }

    /** Translates nothing until pages are {@link #map mapped}. */
    public static FakeIommu mapped() {
        return new FakeIommu(false);
    }

    /** Maps {@code size} bytes (page multiples, page aligned) at {@code iova} to {@code physical}. */
    public FakeIommu map(long iova, long physical, long size, boolean read, boolean write) {
        checkAligned(iova, size);
        if ((physical & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("physical address must be page aligned");
        }
        for (long off = 0; off < size; off += PAGE_SIZE) {
            pages.put(iova + off, new Page(physical + off, read, write));
        }
        return this;
    }

    /** Removes the mappings of {@code size} bytes at {@code iova}. */
    public FakeIommu unmap(long iova, long size) {
        checkAligned(iova, size);
        for (long off = 0; off < size; off += PAGE_SIZE) {
            pages.remove(iova + off);
        }
        return this;
    }

    private static void checkAligned(long iova, long size) {
        if ((iova & (PAGE_SIZE - 1)) != 0 || size <= 0 || (size & (PAGE_SIZE - 1)) != 0) {
            throw new IllegalArgumentException("IOVA and size must be page aligned and non-empty");
        }
    }

    @Override
    public Translation translate(RequesterId rid, int pasid, long iova, DmaDirection direction) {
        requests.add(new Request(rid, pasid, iova, direction));
        if (identity) {
            return Translation.identity(iova);
        }
        long offset = iova & (PAGE_SIZE - 1);
        Page p = pages.get(iova - offset);
        if (p == null) {
            faults++;
            return Translation.translationFault();
        }
        if (direction == DmaDirection.READ ? !p.read : !p.write) {
            faults++;
            return Translation.permissionFault();
        }
        return Translation.ok(p.physical + offset, PAGE_SIZE - offset);
    }

    /** Every translation request so far, oldest first. */
    public List<Request> requests() {
        return List.copyOf(requests);
    }

    /** How many requests faulted (unmapped, or not permitted). */
    public int faults() {
        return faults;
    }
}
