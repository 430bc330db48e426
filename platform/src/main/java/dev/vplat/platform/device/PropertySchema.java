package dev.vplat.platform.device;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The properties of one device type; turns user text into validated {@link PropertyValues}. */
public final class PropertySchema {
    private final Map<String, PropertySpec<?>> specs = new LinkedHashMap<>();

    public PropertySchema add(PropertySpec<?> spec) {
        if (specs.put(spec.name(), spec) != null) {
            throw new IllegalArgumentException("property " + spec.name() + " declared twice");
        }
        return this;
    }

    public List<PropertySpec<?>> specs() {
        return List.copyOf(specs.values());
    }

    /** Resolves user options against the schema; the error names the type and the bad property. */
    public PropertyValues resolve(String typeName, Map<String, String> given) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : given.entrySet()) {
            PropertySpec<?> spec = specs.get(e.getKey());
            if (spec == null) {
                throw new ConfigException(typeName + ": unknown property '" + e.getKey() + "' (known: "
                        + String.join(", ", specs.keySet()) + ")");
            }
            try {
                values.put(spec.name(), spec.type().parse(e.getValue()));
            } catch (IllegalArgumentException ex) {
                throw new ConfigException(typeName + ": property '" + spec.name() + "': " + ex.getMessage()
                        + " (expected " + spec.type().describe() + ")");
            }
        }
        List<String> missing = new ArrayList<>();
        for (PropertySpec<?> spec : specs.values()) {
            if (!values.containsKey(spec.name())) {
                if (spec.defaultValue() == null) {
                    missing.add(spec.name());
                } else {
                    values.put(spec.name(), spec.defaultValue());
                }
            }
        }
        if (!missing.isEmpty()) {
            throw new ConfigException(typeName + ": missing required propert" + (missing.size() == 1 ? "y " : "ies ")
                    + String.join(", ", missing));
        }
        return new PropertyValues(typeName, values, given.keySet());
    }
}
