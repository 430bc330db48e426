package dev.vplat.guest.suites;

import dev.vplat.guest.client.MachineInfo;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.client.VplatException;
import dev.vplat.guest.drivers.DmaTestDriver;
import dev.vplat.guest.drivers.VfioUserDriver;
import dev.vplat.vfio.kernel.Errno;
import org.junit.jupiter.api.Assumptions;

/**
 * What the host-stack suites (4–6) need on the default q35 machine: devices behind the
 * host-owned unit, rebound to vfio-pci through the guest session (and restored after the
 * test's user processes have exited), and MACHINE_INFO's view of their groups. A target
 * without a host-owned unit, vfio-pci or /dev/iommu skips the test with the reason.
 */
final class HostRig {
    /** dmatest0 below root port rp0 (own group, ACS), and the multifunction pair mf0/mf1 (one group). */
    static final String DMATEST0 = "0000:01:00.0", MF0 = "0000:00:05.0", MF1 = "0000:00:05.1";

    final SuiteTarget target;
    final VplatClient guest;

    HostRig(SuiteTarget target) {
        this.target = target;
        this.guest = target.guest();
        MachineInfo info = guest.machineInfo();
        Assumptions.assumeTrue(info.iommus().stream().anyMatch(u -> u.owner().equals("host")),
                () -> "the target has no host-owned IOMMU unit (iommus: " + info.iommus() + ")");
        requireIommufd(target.user("probe"));
    }

    /** Skips the test when the target serves no {@code /dev/iommu} at all (an older or partial server). */
    static void requireIommufd(VplatClient user) {
        try {
            user.close(user.open("/dev/iommu"));
        } catch (VplatException e) {
            Assumptions.assumeFalse(e.is(Errno.ENOENT), "the target serves no /dev/iommu: " + e.getMessage());
            throw e;
        }
    }

    MachineInfo.PciFunction function(String bdf) {
        return guest.machineInfo().pci(bdf).orElseThrow(() -> new AssertionError("MACHINE_INFO lists no " + bdf));
    }

    MachineInfo.Group groupOf(String bdf) {
        return guest.machineInfo().groups().stream().filter(g -> g.devices().contains(bdf)).findFirst()
                .orElseThrow(() -> new AssertionError(bdf + " is in no IOMMU group"));
    }

    /** Rebinds {@code bdf} to vfio-pci (restored after the test); its cdev path. */
    String bindVfio(String bdf) {
        MachineInfo.PciFunction f = function(bdf);
        if (!"vfio-pci".equals(f.driver())) {
            rebind(bdf, f.driver(), "vfio-pci");
        }
        String cdev = function(bdf).vfio();
        if (cdev == null) {
            throw new AssertionError(bdf + " is bound to vfio-pci but MACHINE_INFO lists no cdev");
        }
        return cdev;
    }

    /** Unbinds {@code bdf}'s driver (if any) and binds {@code driver}; the original binding comes back after the test. */
    void rebind(String bdf, String original, String driver) {
        if (original != null) {
            guest.driverUnbind(bdf);
        }
        target.afterUsersExit(() -> {
            String now = function(bdf).driver();
            if (now != null) {
                guest.driverUnbind(bdf);
            }
            if (original != null) {
                guest.driverBind(bdf, original);
            }
        });
        if (driver != null) {
            guest.driverBind(bdf, driver);
        }
    }

    /** Opens {@code bdf} with the user-space driver in a new user process. */
    VfioUserDriver userDriver(String processName, String bdf) {
        return VfioUserDriver.open(target.user(processName), bindVfio(bdf));
    }

    /** Polls MACHINE_INFO until {@code bdf}'s group reports {@code owner} (a session's exit runs just after its socket closes). */
    MachineInfo.Group awaitGroupOwner(String bdf, String owner) {
        MachineInfo.Group g = groupOf(bdf);
        for (int i = 0; i < 200 && !g.owner().equals(owner); i++) {
            Thread.onSpinWait();
            g = groupOf(bdf);
        }
        return g;
    }

    /** The dmatest register block through the VFIO BAR0 region: one COPY and its RESULT. */
    static DmaTestDriver.Result copyThroughVfio(VfioUserDriver drv, long src, long dst, int length) {
        drv.barWriteq(0, DmaTestDriver.REG_SRC, src);
        drv.barWriteq(0, DmaTestDriver.REG_DST, dst);
        drv.barWritel(0, DmaTestDriver.REG_LEN, length);
        drv.barWritel(0, DmaTestDriver.REG_OP, DmaTestDriver.Op.COPY.ordinal());
        drv.barWritel(0, DmaTestDriver.REG_DOORBELL, 1);
        return DmaTestDriver.Result.values()[drv.barReadl(0, DmaTestDriver.REG_RESULT)];
    }
}
