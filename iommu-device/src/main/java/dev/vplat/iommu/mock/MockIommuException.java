package dev.vplat.iommu.mock;

/** A refused mock-IOMMU operation, carrying the errno Linux's iommu core would return for it. */
public final class MockIommuException extends RuntimeException {
    public static final int ENOENT = 2;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;

    private final int errno;

    public MockIommuException(int errno, String message) {
        super(message);
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }
}
