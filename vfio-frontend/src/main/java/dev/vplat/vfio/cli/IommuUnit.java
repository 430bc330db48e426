package dev.vplat.vfio.cli;

import dev.vplat.vfio.server.JsonReader;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** One entry of MACHINE_INFO's {@code "iommus"} array. */
public record IommuUnit(String id, String kind, long base, String owner) {
    /** Every unit listed in a MACHINE_INFO JSON, in its order. */
    @SuppressWarnings("unchecked")
    public static List<IommuUnit> fromMachineInfo(String json) {
        List<IommuUnit> out = new ArrayList<>();
        if (JsonReader.parseObject(json).get("iommus") instanceof List<?> list) {
            for (Object o : list) {
                Map<String, Object> m = (Map<String, Object>) o;
                out.add(new IommuUnit((String) m.get("id"), (String) m.get("kind"),
                        m.get("base") instanceof String b ? NumberConverter.parse(b) : 0, (String) m.get("owner")));
            }
        }
        return out;
    }
}
