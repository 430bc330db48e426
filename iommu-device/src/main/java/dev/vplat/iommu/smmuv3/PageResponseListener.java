package dev.vplat.iommu.smmuv3;

/**
 * Receives CMD_PRI_RESP (IHI 0070 §4.6.1) for the device side of PCIe PRI: the response code is
 * 0 Denied, 1 Failure, 2 Success.
 */
@FunctionalInterface
public interface PageResponseListener {
    void onPageResponse(long streamId, boolean ssv, int substreamId, int prgIndex, int response);
}
