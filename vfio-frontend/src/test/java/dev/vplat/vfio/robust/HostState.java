package dev.vplat.vfio.robust;

import dev.vplat.pci.RequesterId;
import dev.vplat.vfio.hostiommu.MockHostDriver;
import dev.vplat.vfio.hostiommu.SmmuV3HostDriver;
import dev.vplat.vfio.hostiommu.VtdHostDriver;
import dev.vplat.vfio.iommu.HostIommu;
import dev.vplat.vfio.iommu.IommuDevice;
import dev.vplat.vfio.iommu.IommuDomain;
import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.iommufd.HwPagetable;
import dev.vplat.vfio.iommufd.IoPagetable;
import dev.vplat.vfio.iommufd.Ioas;
import dev.vplat.vfio.iommufd.Iommufd;
import dev.vplat.vfio.iommufd.IommufdContext;
import dev.vplat.vfio.iommufd.IommufdObject;
import dev.vplat.vfio.kernel.ErrnoException;
import dev.vplat.vfio.kernel.Process;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a failed call must leave as it found it, rendered as lines so that a difference
 * reads as a diff: MACHINE_INFO (counters, groups with owner and domain, drivers), every iommufd
 * context's objects with their users, every IOAS's areas, every process's fds, locked pages,
 * mapped bytes and pins, and the hardware view — which domain each DMA alias of each host device
 * is attached to, and what every paging domain translates at each page of each area and at the
 * probe IOVAs.
 */
record HostState(List<String> lines) {
    private static final int MAX_FD_SCAN = 64;

    static HostState capture(HostBench bench, long... probeIovas) {
        List<String> out = new ArrayList<>();
        machineInfoLines(bench.platform.machineInfo(), out);
        Map<PagingDomain, String> domains = new IdentityHashMap<>();
        Iommufd iommufd = bench.kernel.service(Iommufd.class);
        for (IommufdContext ctx : iommufd.contexts()) {
            out.add("iommufd of pid " + ctx.process().pid() + " account=" + ctx.accountMode());
            for (IommufdObject o : ctx.objects()) {
                out.add("  object " + o.id() + " " + o.type() + " users=" + o.users());
                if (o instanceof Ioas ioas) {
                    for (IoPagetable.Mapping m : ioas.iopt().mappings()) {
                        out.add("    " + m);
                    }
                    out.add("    alignment=" + ioas.iopt().alignment() + " domains=" + ioas.iopt().domains().size());
                } else if (o instanceof HwPagetable h && h.domain() != null) {
                    domains.put(h.domain(), "hwpt " + o.id());
                    out.add("    " + h.domain() + " on ioas " + h.ioas().id() + (h.autoDomain() ? " (auto)" : ""));
                }
            }
        }
        for (Process p : bench.kernel.processes()) {
            out.add(processLine(p));
        }
        for (IommuDevice d : bench.stack().iommu().devices()) {
            for (RequesterId alias : d.dmaAliases()) {
                IommuDomain attached = attachedDomain(d.iommu(), alias);
                out.add("hw " + d.bdf() + " alias " + alias + " -> " + attached);
                if (attached instanceof PagingDomain pd) {
                    domains.putIfAbsent(pd, "attached to " + alias);
                }
            }
        }
        for (Map.Entry<PagingDomain, String> e : domains.entrySet()) {
            out.add("translations of " + e.getKey() + " (" + e.getValue() + ")");
            for (long iova : probes(iommufd, probeIovas)) {
                long pa = e.getKey().iovaToPhys(iova);
                if (pa != -1) {
                    out.add(String.format("    0x%x -> 0x%x", iova, pa));
                }
            }
        }
        return new HostState(List.copyOf(out));
    }

    /**
     * MACHINE_INFO one entry a line (a PCI function, a group, a unit), without the host pool's
     * page count: page-table pages a failed map allocated stay with their domain until it is
     * freed, as Linux's do, so pool leaks are checked once everything has exited instead.
     */
    private static void machineInfoLines(String json, List<String> out) {
        for (String entry : json.replaceAll(",\\s*\"host_pool_pages\":\\d+", "").split("\\},\\{|\\],\"")) {
            out.add("info " + entry);
        }
    }

    /** The probe IOVAs plus the first byte of every page of every area of every IOAS. */
    private static List<Long> probes(Iommufd iommufd, long[] extra) {
        List<Long> iovas = new ArrayList<>();
        for (long v : extra) {
            iovas.add(v);
        }
        for (IommufdContext ctx : iommufd.contexts()) {
            for (IommufdObject o : ctx.objects()) {
                if (o instanceof Ioas ioas) {
                    for (IoPagetable.Mapping m : ioas.iopt().mappings()) {
                        for (long off = 0; off < m.length(); off += HostBench.PAGE) {
                            iovas.add(m.iova() + off);
                        }
                    }
                }
            }
        }
        return iovas;
    }

    private static String processLine(Process p) {
        StringBuilder b = new StringBuilder("process " + p.pid() + " fds:");
        for (int fd = Process.FIRST_FD; fd < MAX_FD_SCAN; fd++) {
            try {
                String name = p.file(fd).name();
                b.append(' ').append(fd).append('=').append(name);
            } catch (ErrnoException closed) {
                // not open: nothing to list
            }
        }
        return b.append(" locked=").append(p.lockedPages()).append(" pinned=").append(p.memory().pinnedPages())
                .append(" mapped=").append(p.memory().mappedBytes()).toString();
    }

    private static IommuDomain attachedDomain(HostIommu unit, RequesterId rid) {
        if (unit instanceof VtdHostDriver v) {
            return v.attachedDomain(rid);
        }
        if (unit instanceof SmmuV3HostDriver s) {
            return s.attachedDomain(rid);
        }
        if (unit instanceof MockHostDriver m) {
            return m.attachedDomain(rid);
        }
        return null;
    }

    /** The lines of {@code after} that differ from this state's, marked - (before) and + (after). */
    String diff(HostState after) {
        StringBuilder b = new StringBuilder();
        for (String l : lines) {
            if (!after.lines.contains(l)) {
                b.append("- ").append(l).append('\n');
            }
        }
        for (String l : after.lines) {
            if (!lines.contains(l)) {
                b.append("+ ").append(l).append('\n');
            }
        }
        return b.toString();
    }
}
