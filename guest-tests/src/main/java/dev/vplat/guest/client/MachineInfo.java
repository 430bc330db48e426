package dev.vplat.guest.client;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The MACHINE_INFO reply: the JSON text as sent, the parsed tree for keys this view does not
 * model, and a typed view of the keys PROTOCOL.md fixes. Addresses and 64-bit values travel as
 * {@code "0x…"} strings and are parsed to {@code long} here.
 */
public final class MachineInfo {
    /** One block of the memory map ({@code kind} "ram", "mmio", "host-reserved", …; {@code name} may be null). */
    public record MemoryRange(String kind, String name, long base, long size) {
    }

    /** One PCI function. {@code driver}, {@code iommu} and {@code vfio} are null when unset. */
    public record PciFunction(String bdf, int vendor, int device, int classCode, String type, String driver,
                              int group, String iommu, String vfio) {
    }

    /** One IOMMU unit; {@code owner} is "host" (the host stack drives it) or "guest" (left raw). */
    public record Iommu(String id, String kind, long base, String owner, List<String> scope) {
    }

    /** One IOMMU group with its DMA owner state and current domain kind. */
    public record Group(int id, List<String> devices, String owner, String domain) {
    }

    private final String json;
    private final Map<String, Object> tree;

    private MachineInfo(String json, Map<String, Object> tree) {
        this.json = json;
        this.tree = tree;
    }

    /** Parses the reply text. */
    public static MachineInfo parse(String json) {
        return new MachineInfo(json, Json.parseObject(json));
    }

    /** The JSON exactly as the server sent it. */
    public String json() {
        return json;
    }

    /** The parsed JSON object, for keys beyond the typed view. */
    public Map<String, Object> tree() {
        return tree;
    }

    public String machine() {
        return (String) tree.get("machine");
    }

    public List<MemoryRange> memory() {
        List<MemoryRange> out = new ArrayList<>();
        for (Map<String, Object> m : objects("memory")) {
            out.add(new MemoryRange((String) m.get("kind"), (String) m.get("name"), hex(m.get("base")),
                    hex(m.get("size"))));
        }
        return out;
    }

    public List<PciFunction> pci() {
        List<PciFunction> out = new ArrayList<>();
        for (Map<String, Object> m : objects("pci")) {
            out.add(new PciFunction((String) m.get("bdf"), (int) hex(m.get("vendor")), (int) hex(m.get("device")),
                    (int) hex(m.get("class")), (String) m.get("type"), (String) m.get("driver"),
                    m.get("group") == null ? -1 : (int) hex(m.get("group")), (String) m.get("iommu"),
                    (String) m.get("vfio")));
        }
        return out;
    }

    /** The function at {@code bdf} ("0000:00:03.0"), if the machine has one. */
    public Optional<PciFunction> pci(String bdf) {
        return pci().stream().filter(f -> f.bdf().equalsIgnoreCase(bdf)).findFirst();
    }

    public List<Iommu> iommus() {
        List<Iommu> out = new ArrayList<>();
        for (Map<String, Object> m : objects("iommus")) {
            out.add(new Iommu((String) m.get("id"), (String) m.get("kind"), hex(m.get("base")),
                    (String) m.get("owner"), strings(m.get("scope"))));
        }
        return out;
    }

    public List<Group> groups() {
        List<Group> out = new ArrayList<>();
        for (Map<String, Object> m : objects("groups")) {
            out.add(new Group((int) hex(m.get("id")), strings(m.get("devices")), (String) m.get("owner"),
                    (String) m.get("domain")));
        }
        return out;
    }

    /**
     * The resource counters ({@code sessions}, {@code fds}, {@code iommufd_objects},
     * {@code pinned_pages}, {@code dma_owner_claims}, {@code queued_events}, …).
     */
    public Map<String, Long> counters() {
        Map<String, Long> out = new LinkedHashMap<>();
        Object c = tree.get("counters");
        if (c instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put((String) k, hex(v)));
        }
        return Collections.unmodifiableMap(out);
    }

    /** One counter, 0 if the server does not report it. */
    public long counter(String name) {
        return counters().getOrDefault(name, 0L);
    }

    /**
     * The ECAM base of the PCI host bridge, from a top-level {@code "ecam"} key or the memory-map
     * entry whose kind or name says ECAM/MMCONFIG ("pcie-mmcfg", as QEMU names it), if any.
     */
    public Optional<Long> ecamBase() {
        if (tree.get("ecam") instanceof Map<?, ?> m && m.get("base") != null) {
            return Optional.of(hex(m.get("base")));
        }
        if (tree.get("ecam") instanceof String s) {
            return Optional.of(hex(s));
        }
        return memory().stream().filter(MachineInfo::isEcam).map(MemoryRange::base).findFirst();
    }

    private static boolean isEcam(MemoryRange r) {
        for (String s : new String[]{r.kind(), r.name()}) {
            if (s != null && (s.contains("ecam") || s.contains("mmcfg"))) {
                return true;
            }
        }
        return false;
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> objects(String key) {
        Object v = tree.get(key);
        if (!(v instanceof List<?> list)) {
            return List.of();
        }
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : list) {
            out.add((Map<String, Object>) o);
        }
        return out;
    }

    private static List<String> strings(Object v) {
        List<String> out = new ArrayList<>();
        if (v instanceof List<?> list) {
            for (Object o : list) {
                out.add(String.valueOf(o));
            }
        }
        return List.copyOf(out);
    }

    /** A JSON number, or a string in C syntax ("0x1f", "42"), as a long; 0 for null. */
    static long hex(Object v) {
        if (v == null) {
            return 0;
        }
        if (v instanceof Number n) {
            return n.longValue();
        }
        String s = v.toString().trim();
        if (s.startsWith("0x") || s.startsWith("0X")) {
            return Long.parseUnsignedLong(s.substring(2), 16);
        }
        return Long.parseLong(s);
    }

    @Override
    public String toString() {
        return json;
    }
}
