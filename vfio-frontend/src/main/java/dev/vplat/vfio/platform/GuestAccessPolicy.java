package dev.vplat.vfio.platform;

/**
 * Decides whether a guest-role client may write machine memory. The IOMMU core provides it as
 * a {@link dev.vplat.vfio.kernel.HostKernel} service: a unit the host stack owns must not be
 * reprogrammed behind the host driver's back (DESIGN.md decision 2), so writes that reach its
 * register window are refused with EACCES; so are writes into the host kernel's page pool, where
 * the host's page tables, queues and every session's user memory live. Absent service =
 * everything is allowed.
 */
@FunctionalInterface
public interface GuestAccessPolicy {
    /**
     * Called on the machine thread before a guest write of {@code length} bytes at {@code gpa}.
     *
     * @throws dev.vplat.vfio.kernel.ErrnoException EACCES, with a message naming the unit, to refuse
     */
    void checkGuestWrite(long gpa, long length);
}
