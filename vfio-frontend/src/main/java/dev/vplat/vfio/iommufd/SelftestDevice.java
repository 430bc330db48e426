package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.hostiommu.IommufdMockBus;
import dev.vplat.vfio.iommu.IommuDevice;

/**
 * The selftest object IOMMU_TEST_OP_MOCK_DOMAIN creates (selftest.c struct selftest_obj,
 * TYPE_IDEV): it owns a mock device on the mock bus and its binding, so destroying it (by id or
 * at close) detaches and unbinds the device, then destroys it.
 */
final class SelftestDevice extends IommufdObject {
    private final IommufdMockBus bus;
    IommuDevice mock;
    IommufdDevice idev;

    SelftestDevice(IommufdContext ctx, IommufdMockBus bus) {
        super(Type.SELFTEST, ctx);
        this.bus = bus;
    }

    IommufdMockBus bus() {
        return bus;
    }

    /** Undoes whatever of bind and create was done. */
    void teardown() {
        if (idev != null) {
            idev.detach();
            idev.unbind();
            idev = null;
        }
        if (mock != null) {
            bus.destroyDevice(mock);
            mock = null;
        }
    }

    @Override
    protected void destroy() {
        teardown();
    }
}
