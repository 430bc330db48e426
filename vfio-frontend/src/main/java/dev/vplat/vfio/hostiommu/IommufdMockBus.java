package dev.vplat.vfio.hostiommu;

import dev.vplat.iommu.UnitScope;
import dev.vplat.iommu.mock.MockIommu;
import dev.vplat.pci.RequesterId;
import dev.vplat.platform.machine.Machine;
import dev.vplat.vfio.iommu.DomainType;
import dev.vplat.vfio.iommu.IommuCore;
import dev.vplat.vfio.iommu.IommuDevice;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.HostKernel;

import java.util.HashSet;
import java.util.Set;

/**
 * The selftest's mock bus (drivers/iommu/iommufd/selftest.c iommufd_mock_bus_type with
 * mock_dev_create / mock_dev_destroy): the devices IOMMU_TEST_OP_MOCK_DOMAIN creates, each
 * behind one mock IOMMU unit with its own group. The unit is a real {@link MockIommu}, added to
 * the machine as component {@value #UNIT_ID} on first use, driven by a {@link MockHostDriver}
 * registered in the kernel's IOMMU core; so everything iommufd does to a mock device lands in the
 * unit's page tables.
 *
 * <p>A mock device is not a PCI function: it gets a requester ID no device of the IOMMU core
 * has, from ff:00.0 up, so the core can key it like any other device. Its DMA never reaches the
 * PCI fabric; tests read the unit's tables or call its translator directly.
 */
public final class IommufdMockBus {
    public static final String UNIT_ID = "iommufd-mock";
    private static final int FIRST_RID = 0xFF00;

    private final IommuCore core;
    private final MockHostDriver driver;
    private final Set<RequesterId> devices = new HashSet<>();

    private IommufdMockBus(IommuCore core, Machine machine) {
        this.core = core;
        MockIommu unit = machine.add(UNIT_ID, new MockIommu(UNIT_ID, UnitScope.includeAll()));
        this.driver = new MockHostDriver(unit, devices::contains, DomainType.BLOCKED, machine.trace());
        core.addUnit(driver);
    }

    /**
     * The kernel's mock bus, brought up with its unit on first use. ENODEV when the kernel runs no
     * IOMMU core (no host stack was booted).
     */
    public static IommufdMockBus of(HostKernel kernel) {
        IommufdMockBus bus = kernel.serviceOrNull(IommufdMockBus.class);
        if (bus == null) {
            IommuCore core = kernel.serviceOrNull(IommuCore.class);
            if (core == null) {
                throw new ErrnoException(Errno.ENODEV, "no IOMMU core runs in this kernel: the mock unit cannot be registered");
            }
            bus = new IommufdMockBus(core, kernel.machine());
            kernel.provide(IommufdMockBus.class, bus);
        }
        return bus;
    }

    public MockHostDriver driver() {
        return driver;
    }

    /**
     * mock_dev_create: a device with the MOCK_FLAGS_DEVICE_* {@code flags} (EINVAL for unknown
     * ones), probed into the IOMMU core in a group of its own, DMA blocked (the mock's default
     * domain). A failed probe leaves no device behind.
     */
    public IommuDevice createDevice(int flags) {
        RequesterId rid = freeRequesterId();
        driver.setDeviceFlags(rid, flags);
        devices.add(rid);
        try {
            return core.addDevice(driver, rid);
        } catch (RuntimeException e) {
            devices.remove(rid);
            driver.releaseDevice(rid);
            throw e;
        }
    }

    /** mock_dev_destroy: the device must be unbound from iommufd (its ownership released). */
    public void destroyDevice(IommuDevice device) {
        if (!devices.contains(device.rid())) {
            throw new IllegalArgumentException(device + " is not a mock device");
        }
        core.removeDevice(device);
        devices.remove(device.rid());
        driver.releaseDevice(device.rid());
    }

    /** The mock devices that exist now. */
    public int deviceCount() {
        return devices.size();
    }

    private RequesterId freeRequesterId() {
        for (int i = 0; i < 0x10000; i++) {
            RequesterId rid = RequesterId.fromValue((FIRST_RID + i) & 0xFFFF);
            if (core.device(rid) == null) {
                return rid;
            }
        }
        throw new ErrnoException(Errno.ENOSPC, "no free requester ID for a mock device");
    }
}
