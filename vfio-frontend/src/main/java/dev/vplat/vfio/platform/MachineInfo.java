package dev.vplat.vfio.platform;

import dev.vplat.platform.machine.MemoryMapEntry;
import dev.vplat.vfio.kernel.HostKernel;
import dev.vplat.vfio.kernel.HostPageAllocator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the MACHINE_INFO JSON of PROTOCOL.md: machine name, memory map (with the host kernel's
 * page pool as kind {@code host-reserved}), the sections contributors add ({@code pci},
 * {@code iommus}, {@code groups} are always present, empty when no layer fills them, then any
 * further keys) and the kernel's health counters. Runs on the machine thread.
 */
public final class MachineInfo {
    /** Sections the contract lists; written (as empty arrays if need be) even before their layers exist. */
    static final List<String> CONTRACT_SECTIONS = List.of("pci", "iommus", "groups");
    /** Counters the contract lists; a counter no subsystem registered yet reads 0. */
    static final List<String> CONTRACT_COUNTERS = List.of("sessions", "fds", "iommufd_objects", "pinned_pages",
            "dma_owner_claims", "queued_events");

    private MachineInfo() {
    }

    public static String json(Platform platform) {
        HostKernel kernel = platform.kernel();
        MachineInfoRegistry registry = platform.infoRegistry();
        JsonWriter w = new JsonWriter().beginObject();
        w.field("machine", platform.machine().name());
        w.name("memory").beginArray();
        for (MemoryMapEntry e : platform.machine().memoryMap()) {
            w.beginObject().field("kind", e.kind()).field("name", e.name()).name("base").hex(e.base())
                    .name("size").hex(e.size()).endObject();
        }
        HostPageAllocator pool = kernel.pages();
        w.beginObject().field("kind", "host-reserved").field("name", "host-page-pool").name("base").hex(pool.base())
                .name("size").hex(pool.size()).endObject();
        w.endArray();
        for (String key : CONTRACT_SECTIONS) {
            w.name(key);
            MachineInfoContributor c = registry.get(key);
            if (c == null) {
                w.beginArray().endArray();
            } else {
                c.writeValue(w);
            }
        }
        for (MachineInfoContributor c : registry.all()) {
            if (!CONTRACT_SECTIONS.contains(c.key()) && !Set.of("machine", "memory", "counters").contains(c.key())) {
                w.name(c.key());
                c.writeValue(w);
            }
        }
        w.name("counters").beginObject();
        Map<String, Long> counters = new LinkedHashMap<>();
        CONTRACT_COUNTERS.forEach(k -> counters.put(k, 0L));
        counters.putAll(kernel.counters());
        counters.forEach(w::field);
        w.endObject();
        return w.endObject().toString();
    }
}
