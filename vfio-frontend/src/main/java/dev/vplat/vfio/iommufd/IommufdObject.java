package dev.vplat.vfio.iommufd;

/**
 * The common part of every iommufd object (iommufd_private.h struct iommufd_object): a type,
 * an id in its context's table and a count of users. The table holds one user; every object
 * that depends on this one (an HWPT on its IOAS, a device on its HWPT) and every driver that
 * owns it (VFIO on its device) holds another. Destroy succeeds only when the table's user is
 * the last one, which is also how closing the file finds the leaves first.
 */
public abstract class IommufdObject {
    /** enum iommufd_object_type, for the types this emulation creates. */
    public enum Type { DEVICE, HWPT_PAGING, IOAS, ACCESS, SELFTEST }

    private final Type type;
    final IommufdContext ctx;
    int id;
    int users = 1;

    protected IommufdObject(Type type, IommufdContext ctx) {
        this.type = type;
        this.ctx = ctx;
    }

    public Type type() {
        return type;
    }

    public int id() {
        return id;
    }

    public int users() {
        return users;
    }

    /** Releases what the object holds; called once, after it left the table. */
    protected abstract void destroy();
}
