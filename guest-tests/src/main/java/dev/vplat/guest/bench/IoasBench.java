package dev.vplat.guest.bench;

import dev.vplat.guest.client.MachineInfo;
import dev.vplat.guest.client.Role;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasAlloc;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasMap;
import dev.vplat.vfio.uapi.IommufdStructs.IommuIoasUnmap;
import dev.vplat.vfio.uapi.Uapi;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceAttachIommufdPt;
import dev.vplat.vfio.uapi.VfioStructs.VfioDeviceBindIommufd;
import dev.vplat.vfio.platform.DriverControl;
import dev.vplat.vfio.platform.Platform;

import java.util.ArrayList;
import java.util.List;

import static dev.vplat.vfio.uapi.IommufdIoctl.IOAS_MAP_FIXED_IOVA;
import static dev.vplat.vfio.uapi.IommufdIoctl.IOAS_MAP_READABLE;
import static dev.vplat.vfio.uapi.IommufdIoctl.IOAS_MAP_WRITEABLE;
import static dev.vplat.vfio.uapi.IommufdIoctl.IOMMU_IOAS_ALLOC;
import static dev.vplat.vfio.uapi.IommufdIoctl.IOMMU_IOAS_MAP;
import static dev.vplat.vfio.uapi.IommufdIoctl.IOMMU_IOAS_UNMAP;
import static dev.vplat.vfio.uapi.VfioIoctl.DEVICE_ATTACH_IOMMUFD_PT;
import static dev.vplat.vfio.uapi.VfioIoctl.DEVICE_BIND_IOMMUFD;

/**
 * Item 5: IOMMU_IOAS_MAP + IOMMU_IOAS_UNMAP of one 4 KiB page, repeated, on an IOAS that a
 * device behind the host-owned VT-d unit (dmatest0, 01:00.0, bound to vfio-pci) is attached to
 * — so every map writes a leaf into the unit's second-level table through the host driver and
 * every unmap clears it and invalidates. In process the calls go straight into a host kernel of
 * this JVM; over the wire a user session makes them. Baselines: in process, the same calls on
 * an IOAS with no device (the io_pagetable alone); over the wire, the in-process figure.
 */
final class IoasBench {
    static final String DEVICE = "0000:01:00.0";
    private static final long IOVA = 0x1000_0000L, PAGE = 4096;
    private static final int MAP_FLAGS = IOAS_MAP_FIXED_IOVA | IOAS_MAP_READABLE | IOAS_MAP_WRITEABLE;

    private final BenchContext ctx;

    IoasBench(BenchContext ctx) {
        this.ctx = ctx;
    }

    List<Row> run() {
        Platform local = ctx.inProcess();
        String cdev = bindVfio(local);
        double bare = ctx.meter().measure(mapUnmap(Syscalls.inProcess(local.kernel(), false), null)).perSecond();
        double inProcess = ctx.meter().measure(mapUnmap(Syscalls.inProcess(local.kernel(), false), cdev)).perSecond();
        double wire;
        try (VplatClient guest = VplatClient.builder().address(ctx.vplatTcp().toString()).role(Role.GUEST)
                .name("vplat-bench-ioas").connect()) {
            String original = guest.machineInfo().pci(DEVICE).map(MachineInfo.PciFunction::driver).orElse(null);
            if (original != null) {
                guest.driverUnbind(DEVICE);
            }
            guest.driverBind(DEVICE, "vfio-pci");
            String path = guest.machineInfo().pci(DEVICE).map(MachineInfo.PciFunction::vfio)
                    .orElseThrow(() -> new IllegalStateException(DEVICE + " has no VFIO cdev after binding vfio-pci"));
            try (VplatClient user = VplatClient.builder().address(ctx.vplatTcp().toString()).role(Role.USER)
                    .name("vplat-bench-ioas").connect()) {
                wire = ctx.meter().measure(mapUnmap(Syscalls.wire(user), path)).perSecond();
            }
            awaitUnbindable(guest);
            if (original != null) {
                guest.driverBind(DEVICE, original);
            }
        }
        List<Row> rows = new ArrayList<>();
        rows.add(new Row("ioas.inproc", "5", "IOAS map+unmap of a 4 KiB page, VT-d domain, in process", inProcess,
                "pages/s", bare, "the same on an IOAS without a domain", Target.valueAtLeast(500e3, "≥ 500k pages/s"),
                "each op is one IOMMU_IOAS_MAP and one IOMMU_IOAS_UNMAP ioctl"));
        rows.add(new Row("ioas.wire", "5", "IOAS map+unmap of a 4 KiB page, VT-d domain, over TCP", wire, "pages/s",
                inProcess, "the same in process", null, "two round trips per page"));
        return rows;
    }

    /** dmatest0 rebound to vfio-pci in the in-process platform; its cdev path. */
    private static String bindVfio(Platform p) {
        MachineInfo.PciFunction f = MachineInfo.parse(p.machineInfo()).pci(DEVICE)
                .orElseThrow(() -> new IllegalStateException("the default q35 machine has no " + DEVICE));
        DriverControl drivers = p.kernel().service(DriverControl.class);
        if (!"vfio-pci".equals(f.driver())) {
            if (f.driver() != null) {
                drivers.unbind(DEVICE);
            }
            drivers.bind(DEVICE, "vfio-pci");
        }
        return MachineInfo.parse(p.machineInfo()).pci(DEVICE).map(MachineInfo.PciFunction::vfio)
                .orElseThrow(() -> new IllegalStateException(DEVICE + " has no VFIO cdev after binding vfio-pci"));
    }

    /**
     * Opens /dev/iommu, allocates an IOAS, attaches the VFIO device at {@code cdev} to it (none
     * when null) and maps one page of user memory; the workload maps and unmaps that page.
     */
    private static Meter.Workload mapUnmap(Syscalls sys, String cdev) {
        int iommufd = sys.open("/dev/iommu");
        int ioas = Uapi.decode(IommuIoasAlloc.class, sys.ioctl(iommufd, IOMMU_IOAS_ALLOC,
                Uapi.encode(new IommuIoasAlloc(Uapi.sizeOf(IommuIoasAlloc.class), 0, 0)))).outIoasId();
        if (cdev != null) {
            int dev = sys.open(cdev);
            sys.ioctl(dev, DEVICE_BIND_IOMMUFD, Uapi.encode(new VfioDeviceBindIommufd(Uapi.sizeOf(VfioDeviceBindIommufd.class), 0, iommufd, 0, 0)));
            sys.ioctl(dev, DEVICE_ATTACH_IOMMUFD_PT, Uapi.encode(new VfioDeviceAttachIommufdPt(Uapi.sizeOf(VfioDeviceAttachIommufdPt.class), 0, ioas, 0)));
        }
        long uva = sys.mmap(PAGE);
        byte[] map = Uapi.encode(new IommuIoasMap(Uapi.sizeOf(IommuIoasMap.class), MAP_FLAGS, ioas, 0, uva, PAGE, IOVA));
        byte[] unmap = Uapi.encode(new IommuIoasUnmap(Uapi.sizeOf(IommuIoasUnmap.class), ioas, IOVA, PAGE));
        return n -> {
            long sum = 0;
            for (long i = 0; i < n; i++) {
                sys.ioctl(iommufd, IOMMU_IOAS_MAP, map);
                sum += Uapi.decode(IommuIoasUnmap.class, sys.ioctl(iommufd, IOMMU_IOAS_UNMAP, unmap)).length();
            }
            if (sum != n * PAGE) {
                throw new IllegalStateException("IOAS_UNMAP removed " + sum + " bytes, not " + n * PAGE);
            }
            return sum;
        };
    }

    /** The user session's exit runs just after its socket closes; vfio-pci can be unbound once it has. */
    private static void awaitUnbindable(VplatClient guest) {
        RuntimeException last = null;
        for (int i = 0; i < 200; i++) {
            try {
                guest.driverUnbind(DEVICE);
                return;
            } catch (RuntimeException e) {
                last = e;
                Thread.onSpinWait();
            }
        }
        throw last;
    }
}
