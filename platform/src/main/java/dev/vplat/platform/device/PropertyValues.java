package dev.vplat.platform.device;

import java.util.Map;
import java.util.Set;

/** Validated property values of one device instance, defaults filled in. */
public final class PropertyValues {
    private final String typeName;
    private final Map<String, Object> values;
    private final Set<String> explicit;

    PropertyValues(String typeName, Map<String, Object> values, Set<String> explicit) {
        this.typeName = typeName;
        this.values = Map.copyOf(values);
        this.explicit = Set.copyOf(explicit);
    }

    public String typeName() {
        return typeName;
    }

    public boolean bool(String name) {
        return (Boolean) get(name);
    }

    public long uint(String name) {
        return (Long) get(name);
    }

    public String string(String name) {
        return (String) get(name);
    }

    /** The value of a property of any type, for types a higher layer defines (a PCI address). */
    public <T> T get(String name, Class<T> type) {
        Object v = get(name);
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException(typeName + ": property " + name + " is a "
                    + v.getClass().getSimpleName() + ", not a " + type.getSimpleName());
        }
        return type.cast(v);
    }

    /** Whether the user set this property, as opposed to taking its default. */
    public boolean isSet(String name) {
        return explicit.contains(name);
    }

    public Map<String, Object> asMap() {
        return values;
    }

    private Object get(String name) {
        if (!values.containsKey(name)) {
            throw new IllegalArgumentException(typeName + " has no property " + name);
        }
        return values.get(name);
    }
}
