package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.kernel.OpenFile;
import dev.vplat.vfio.kernel.Process;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fd IOMMU_TEST_OP_CREATE_ACCESS returns (selftest.c struct selftest_access): an in-kernel
 * access plus the list of page pins made through ACCESS_PAGES. Its unmap callback drops every
 * pin the unmapped range touches; closing the fd drops them all and destroys the access.
 */
final class SelftestAccessFile implements OpenFile, IommufdAccess.Ops {
    record Item(long iova, long length) { }

    private final boolean needsPinPages;
    private final Map<Integer, Item> items = new LinkedHashMap<>();
    private IommufdAccess access;
    private int nextId;

    SelftestAccessFile(boolean needsPinPages) {
        this.needsPinPages = needsPinPages;
    }

    void bind(IommufdAccess a) {
        this.access = a;
    }

    IommufdAccess access() {
        return access;
    }

    int addItem(long iova, long length) {
        items.put(nextId, new Item(iova, length));
        return nextId++;
    }

    /** Drops one pin by id; false if there is none. */
    boolean destroyItem(int id) {
        Item it = items.remove(id);
        if (it == null) {
            return false;
        }
        access.unpinPages(it.iova(), it.length());
        return true;
    }

    void removeItem(int id) {
        items.remove(id);
    }

    @Override
    public boolean needsPinPages() {
        return needsPinPages;
    }

    /** iommufd_test_access_unmap. */
    @Override
    public void unmap(long iova, long length) {
        long last = iova + length - 1;
        for (Iterator<Item> i = items.values().iterator(); i.hasNext();) {
            Item it = i.next();
            if (U64.intersects(iova, last, it.iova(), it.iova() + it.length() - 1)) {
                i.remove();
                access.unpinPages(it.iova(), it.length());
            }
        }
    }

    @Override
    public String name() {
        return "anon_inode:[iommufd_test_staccess]";
    }

    @Override
    public void release(Process process) {
        unmap(0, U64.MAX);
        access.context().destroyAccess(access);
    }
}
