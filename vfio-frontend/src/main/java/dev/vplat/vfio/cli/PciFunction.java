package dev.vplat.vfio.cli;

import dev.vplat.pci.lspci.FunctionSnapshot;
import dev.vplat.vfio.server.JsonReader;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One entry of MACHINE_INFO's {@code "pci"} array. */
public record PciFunction(String bdf, int vendor, int device, int classCode, String type, String driver,
                          Integer group, String iommu, String vfio, List<FunctionSnapshot.Resource> resources) {
    /** Every function listed in a MACHINE_INFO JSON, in its order. */
    @SuppressWarnings("unchecked")
    public static List<PciFunction> fromMachineInfo(String json) {
        Object pci = JsonReader.parseObject(json).get("pci");
        List<PciFunction> out = new ArrayList<>();
        if (pci instanceof List<?> list) {
            for (Object o : list) {
                Map<String, Object> m = (Map<String, Object>) o;
                out.add(new PciFunction((String) m.get("bdf"), (int) number(m.get("vendor")), (int) number(m.get("device")),
                        (int) number(m.get("class")), (String) m.get("type"), (String) m.get("driver"),
                        m.get("group") instanceof Number n ? n.intValue() : null, (String) m.get("iommu"),
                        (String) m.get("vfio"), resources(m.get("resources"))));
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static List<FunctionSnapshot.Resource> resources(Object value) {
        List<FunctionSnapshot.Resource> out = new ArrayList<>();
        if (value instanceof List<?> list) {
            for (Object o : list) {
                Map<String, Object> r = (Map<String, Object>) o;
                out.add(new FunctionSnapshot.Resource((int) number(r.get("index")), number(r.get("start")),
                        number(r.get("size")), (int) number(r.get("flags"))));
            }
        }
        return out;
    }

    private static long number(Object v) {
        return v instanceof String s ? NumberConverter.parse(s) : v instanceof Number n ? n.longValue() : 0;
    }

    /** Bus number parsed from {@code DDDD:BB:DD.F}. */
    public int bus() {
        return Integer.parseInt(bdf.substring(5, 7), 16);
    }

    public int slot() {
        return Integer.parseInt(bdf.substring(8, 10), 16);
    }

    public int function() {
        return Character.digit(bdf.charAt(11), 16);
    }
}
