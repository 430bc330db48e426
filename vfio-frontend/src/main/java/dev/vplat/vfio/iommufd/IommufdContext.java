package dev.vplat.vfio.iommufd;

import dev.vplat.platform.memory.GuestMemory;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.Process;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

import static dev.vplat.vfio.iommufd.Errors.fail;

/**
 * One open /dev/iommu (main.c struct iommufd_ctx): the object table with its single id space
 * (ids from 1, the lowest free one reused, like an ALLOC1 xarray), the accounting mode, the VFIO
 * compatibility IOAS and the IOMMU groups its devices belong to. It is also the kernel-internal
 * API VFIO uses: {@link #bindDevice}, {@link #createAccess}, {@link #compatIoas}.
 */
public final class IommufdContext {
    private final Iommufd iommufd;
    private final Process process;
    private final TreeMap<Integer, IommufdObject> objects = new TreeMap<>();
    private final TreeSet<Integer> freeIds = new TreeSet<>();
    private final Map<Object, IommufdGroup> groups = new HashMap<>();
    private int nextId = 1;
    private AccountMode accountMode = AccountMode.USER;
    private Ioas vfioIoas;
    private int fileRefs = 1;
    private boolean released;

    IommufdContext(Iommufd iommufd, Process process) {
        this.iommufd = iommufd;
        this.process = process;
    }

    public Process process() {
        return process;
    }

    GuestMemory memory() {
        return iommufd.kernel().machine().system();
    }

    Iommufd iommufd() {
        return iommufd;
    }

    public AccountMode accountMode() {
        return accountMode;
    }

    void setAccountMode(AccountMode mode) {
        this.accountMode = mode;
    }

    public int objectCount() {
        return objects.size();
    }

    public boolean released() {
        return released;
    }

    // ---- the object table ----

    /** iommufd_object_alloc: gives the object the lowest free id and puts it in the table. */
    void add(IommufdObject obj) {
        Integer id = freeIds.pollFirst();
        obj.id = id != null ? id : nextId++;
        objects.put(obj.id, obj);
    }

    /** iommufd_object_abort: the object never became visible; its id is free again, nothing is destroyed. */
    void abort(IommufdObject obj) {
        objects.remove(obj.id);
        freeIds.add(obj.id);
    }

    /** iommufd_get_object with IOMMUFD_OBJ_ANY: ENOENT for a missing id. */
    IommufdObject lookup(int id) {
        IommufdObject o = objects.get(id);
        if (o == null) {
            throw fail(Errno.ENOENT, "no object " + id);
        }
        return o;
    }

    /** iommufd_get_object of one type: a missing id or another type is ENOENT. */
    <T extends IommufdObject> T get(int id, Class<T> type) {
        IommufdObject o = objects.get(id);
        if (!type.isInstance(o)) {
            throw fail(Errno.ENOENT, "no " + type.getSimpleName() + " with id " + id);
        }
        return type.cast(o);
    }

    public List<IommufdObject> objects() {
        return List.copyOf(objects.values());
    }

    /** IOMMU_DESTROY (iommufd_object_remove): ENOENT if absent, EBUSY while anything else uses it. */
    void destroy(int id) {
        IommufdObject o = lookup(id);
        if (o.users != 1) {
            throw fail(Errno.EBUSY, "object " + id + " is in use (" + (o.users - 1) + " users)");
        }
        removeObject(o);
    }

    /** Removes an object whose only user is the table, then runs its destroy. */
    void removeObject(IommufdObject o) {
        objects.remove(o.id);
        freeIds.add(o.id);
        o.users = 0;
        if (vfioIoas == o) {
            vfioIoas = null;
        }
        o.destroy();
    }

    /** iommufd_object_destroy_user: the owning driver drops its user and the object goes. */
    void destroyDriverObject(IommufdObject o) {
        o.users--;
        if (o.users != 1) {
            o.users++;
            throw new IllegalStateException("object " + o.id + " still has users at driver destroy");
        }
        removeObject(o);
    }

    // ---- kernel-internal API ----

    /**
     * iommufd_device_bind: checks cache coherency (EINVAL), claims DMA ownership with this
     * context as the owner (EPERM/EBUSY from the IOMMU core pass through) and creates the
     * device object; the device's DMA stays blocked until it is attached.
     */
    public IommufdDevice bindDevice(IommufdDeviceOps ops) {
        return bindDevice(ops, true);
    }

    /**
     * {@code holdContext}: the device keeps the context alive (iommufd_ctx_get), except the
     * selftest's mock devices, whose owner object lives in the table itself.
     */
    IommufdDevice bindDevice(IommufdDeviceOps ops, boolean holdContext) {
        checkLive();
        IommufdGroup group = groups.computeIfAbsent(ops.group(), IommufdGroup::new);
        try {
            if (!ops.cacheCoherent()) {
                throw fail(Errno.EINVAL, ops.name() + ": IOMMU does not enforce cache coherency");
            }
            ops.claimDmaOwner(this);
        } catch (RuntimeException e) {
            if (group.boundDevices == 0) {
                groups.remove(group.key);
            }
            throw e;
        }
        group.boundDevices++;
        IommufdDevice idev = new IommufdDevice(this, ops, group, holdContext);
        add(idev);
        idev.users++;
        if (holdContext) {
            fileRefs++;
        }
        return idev;
    }

    void putGroup(IommufdGroup group) {
        if (--group.boundDevices == 0) {
            groups.remove(group.key);
        }
    }

    /** iommufd_access_create: an access object owned by the calling driver, which keeps the context alive. */
    public IommufdAccess createAccess(IommufdAccess.Ops ops) {
        checkLive();
        IommufdAccess access = new IommufdAccess(this, ops);
        add(access);
        access.users++;
        fileRefs++;
        return access;
    }

    /** iommufd_access_destroy. */
    public void destroyAccess(IommufdAccess access) {
        destroyDriverObject(access);
        put();
    }

    /** The VFIO compatibility IOAS, or null. */
    public Ioas compatIoas() {
        return vfioIoas;
    }

    void setCompatIoas(Ioas ioas) {
        this.vfioIoas = ioas;
    }

    /** iommufd_vfio_compat_ioas_create: the compat IOAS, made (as a normal user-visible IOAS) if none is set. */
    public Ioas compatIoasCreate() {
        checkLive();
        if (vfioIoas == null) {
            vfioIoas = allocIoas();
        }
        return vfioIoas;
    }

    Ioas allocIoas() {
        Ioas ioas = new Ioas(this);
        add(ioas);
        return ioas;
    }

    public Ioas ioas(int id) {
        return get(id, Ioas.class);
    }

    // ---- file lifetime ----

    /** iommufd_ctx_get: a driver (VFIO) keeps the context alive past close of the iommufd fd. */
    public void get() {
        checkLive();
        fileRefs++;
    }

    /** iommufd_ctx_put / the file's release: the last reference tears everything down. */
    public void put() {
        if (--fileRefs == 0) {
            release();
        }
    }

    /**
     * iommufd_fops_release: repeatedly destroys every object whose only user is the table, so
     * leaves go first (devices before HWPTs before IOASes) whatever order they were made in.
     */
    private void release() {
        while (!objects.isEmpty()) {
            int destroyed = 0;
            for (IommufdObject o : List.copyOf(objects.values())) {
                if (objects.get(o.id) == o && o.users == 1) {
                    removeObject(o);
                    destroyed++;
                }
            }
            if (destroyed == 0) {
                throw new IllegalStateException("iommufd objects keep each other alive: " + objects.keySet());
            }
        }
        released = true;
        iommufd.forget(this);
    }

    private void checkLive() {
        if (released) {
            throw new IllegalStateException("iommufd context already released");
        }
    }
}
