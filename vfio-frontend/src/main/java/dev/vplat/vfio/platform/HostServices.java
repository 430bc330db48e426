package dev.vplat.vfio.platform;

import dev.vplat.iommu.UnitScope;
import dev.vplat.iommu.mock.MockIommu;
import dev.vplat.iommu.smmuv3.SmmuV3;
import dev.vplat.iommu.vtd.VtdUnit;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.PciHost;
import dev.vplat.pci.dma.DmaRouting;
import dev.vplat.pci.lspci.FunctionSnapshot;
import dev.vplat.platform.machine.Machine;
import dev.vplat.vfio.driver.DriverCore;
import dev.vplat.vfio.driver.HostDevice;
import dev.vplat.vfio.driver.HostStack;
import dev.vplat.vfio.iommu.IommuDevice;
import dev.vplat.vfio.iommu.IommuGroup;
import dev.vplat.vfio.iommu.UnitOwner;
import dev.vplat.vfio.iommufd.Iommufd;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.HostKernel;
import dev.vplat.vfio.kernel.HostPageAllocator;
import dev.vplat.vfio.vfio.Vfio;

import java.util.Map;

/**
 * Boots the host stack on an assembled machine and connects it to the front ends: the IOMMU core
 * and driver core ({@link HostStack}), /dev/iommu and /dev/vfio, the DRIVER_BIND/UNBIND service, the guest
 * write policy for host-owned units, the MACHINE_INFO sections {@code pci}, {@code iommus}
 * and {@code groups}, and a kernel notice for every PCI function fenced after its model threw.
 */
final class HostServices {
    private HostServices() {
    }

    /** @param barWindow where VFIO places BARs nobody assigned (the machine's PCI memory window) */
    static void boot(HostKernel kernel, PciHost pci, MachineInfoRegistry info, Vfio.BarWindow barWindow) {
        HostStack stack = HostStack.boot(kernel, pci);
        Iommufd.install(kernel);
        Vfio vfio = Vfio.install(kernel, barWindow);
        DriverCore drivers = stack.drivers();
        pci.addFenceListener((f, why) -> kernel.notices().post(f.requesterId().bdf() + " " + f.id() + " fenced: " + why));
        kernel.provide(DriverControl.class, new DriverControl() {
            @Override
            public void bind(String bdf, String driver) {
                drivers.bind(bdf + " " + driver);
            }

            @Override
            public void unbind(String bdf) {
                drivers.unbind(bdf);
            }
        });
        HostPageAllocator pool = kernel.pages();
        kernel.provide(GuestAccessPolicy.class, (gpa, length) -> {
            if (!stack.guestMayWrite(gpa, length)) {
                throw new ErrnoException(Errno.EACCES, String.format(
                        "[0x%x, +0x%x) reaches the register window of a host-owned IOMMU unit", gpa, length));
            }
            if (gpa < pool.base() + pool.size() && pool.base() < gpa + length) {
                throw new ErrnoException(Errno.EACCES, String.format("[0x%x, +0x%x) reaches the host kernel's page pool"
                        + " [0x%x, +0x%x): host page tables and session memory are not the guest's", gpa, length,
                        pool.base(), pool.size()));
            }
        });
        info.register(contributor("pci", out -> writePci(out, pci, stack, vfio)));
        info.register(contributor("iommus", out -> writeIommus(out, kernel.machine(), pci, stack)));
        info.register(contributor("groups", out -> writeGroups(out, stack)));
    }

    private static MachineInfoContributor contributor(String key, java.util.function.Consumer<JsonWriter> body) {
        return new MachineInfoContributor() {
            @Override
            public String key() {
                return key;
            }

            @Override
            public void writeValue(JsonWriter out) {
                body.accept(out);
            }
        };
    }

    private static void writePci(JsonWriter out, PciHost pci, HostStack stack, Vfio vfio) {
        out.beginArray();
        for (PciFunction f : pci.functions()) {
            HostDevice host = stack.drivers().device(f.requesterId());
            IommuDevice dev = stack.iommu().device(f.requesterId());
            DmaRouting.Claim claim = pci.dmaRouting().claimFor(f.upstreamRequesterId());
            out.beginObject();
            out.field("bdf", f.requesterId().bdf());
            out.name("vendor").hex(f.vendorId(), 4);
            out.name("device").hex(f.deviceId(), 4);
            out.name("class").hex(f.classCode(), 6);
            out.field("type", f.typeName());
            out.name("driver");
            if (host != null && host.driver() != null) {
                out.value(host.driver().name());
            } else {
                out.nullValue();
            }
            out.name("group");
            if (dev != null && dev.hasGroup()) {
                out.value(dev.group().id());
            } else {
                out.nullValue();
            }
            out.name("iommu");
            if (claim != null) {
                out.value(claim.owner());
            } else {
                out.nullValue();
            }
            out.name("vfio");
            String node = vfio.cdevPath(f.requesterId().bdf());
            if (node != null) {
                out.value(node);
            } else {
                out.nullValue();
            }
            writeResources(out, f);
            out.endObject();
        }
        out.endArray();
    }

    /** The BARs as the host kernel sees them, like sysfs {@code resource}: index (6 = ROM), start, size, BAR flag bits. */
    private static void writeResources(JsonWriter out, PciFunction f) {
        out.name("resources").beginArray();
        for (FunctionSnapshot.Resource r : FunctionSnapshot.resources(f)) {
            out.beginObject();
            out.field("index", r.index());
            out.name("start").hex(r.start());
            out.name("size").hex(r.size());
            out.name("flags").hex(r.flags());
            out.endObject();
        }
        out.endArray();
    }

    private static void writeIommus(JsonWriter out, Machine machine, PciHost pci, HostStack stack) {
        Map<String, UnitOwner> owners = stack.unitOwners();
        out.beginArray();
        for (Map.Entry<String, Object> e : machine.componentsById().entrySet()) {
            String kind;
            long base;
            UnitScope scope;
            if (e.getValue() instanceof VtdUnit u) {
                kind = "intel-iommu";
                base = u.config().base();
                scope = u.scope();
            } else if (e.getValue() instanceof SmmuV3 u) {
                kind = "arm-smmuv3";
                base = u.config().base();
                scope = u.scope();
            } else if (e.getValue() instanceof MockIommu u) {
                kind = "mock-iommu";
                base = 0;
                scope = u.scope();
            } else {
                continue;
            }
            out.beginObject();
            out.field("id", e.getKey());
            out.field("kind", kind);
            out.name("base").hex(base);
            UnitOwner owner = owners.get(e.getKey());
            out.field("owner", owner == UnitOwner.HOST ? "host" : "guest");
            out.name("scope").beginArray();
            for (PciFunction f : pci.functions()) {
                DmaRouting.Claim claim = pci.dmaRouting().claimFor(f.upstreamRequesterId());
                if (claim != null && claim.owner().equals(e.getKey())) {
                    out.value(f.requesterId().bdf());
                }
            }
            out.endArray();
            out.endObject();
        }
        out.endArray();
    }

    private static void writeGroups(JsonWriter out, HostStack stack) {
        out.beginArray();
        for (IommuGroup g : stack.iommu().groups()) {
            out.beginObject();
            out.field("id", g.id());
            out.name("devices").beginArray();
            for (IommuDevice d : g.devices()) {
                out.value(d.bdf());
            }
            out.endArray();
            out.field("owner", g.ownership().wireName());
            out.field("domain", g.domain() == null ? "blocking" : g.domain().type().wireName());
            out.endObject();
        }
        out.endArray();
    }
}
