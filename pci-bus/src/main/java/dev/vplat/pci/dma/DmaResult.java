package dev.vplat.pci.dma;

/**
 * How one DMA transfer ended: its status, how many bytes moved before it stopped, and for an
 * aborted transfer the first address (an IOVA, as the device issued it) that failed.
 */
public record DmaResult(DmaStatus status, long faultAddress, long transferred) {
    /** A transfer of {@code length} bytes that completed. */
    public static DmaResult ok(long length) {
        return new DmaResult(DmaStatus.OK, 0, length);
    }

    /** A transfer aborted at {@code address} after {@code transferred} bytes. */
    public static DmaResult failed(DmaStatus status, long address, long transferred) {
        if (status == DmaStatus.OK) {
            throw new IllegalArgumentException("a failed transfer needs a failure status");
        }
        return new DmaResult(status, address, transferred);
    }

    public boolean ok() {
        return status == DmaStatus.OK;
    }
}
