package dev.vplat.vfio.iommufd;

/**
 * The selftest object IOMMU_TEST_OP_MOCK_DOMAIN creates (selftest.c struct selftest_obj,
 * TYPE_IDEV): it owns a mock device and its binding, so destroying it (by id or at close)
 * detaches and unbinds the device.
 */
final class SelftestDevice extends IommufdObject {
    MockIommuDevice mock;
    IommufdDevice idev;

    SelftestDevice(IommufdContext ctx) {
        super(Type.SELFTEST, ctx);
    }

    @Override
    protected void destroy() {
        idev.detach();
        idev.unbind();
    }
}
