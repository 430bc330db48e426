package dev.vplat.platform.device;

/** One property a device type accepts: its name, type, default (null = required) and help text. */
public record PropertySpec<T>(String name, PropertyType<T> type, T defaultValue, String help) {
    /** A default the type itself would reject is a bug in the device type, caught at declaration. */
    public PropertySpec {
        if (defaultValue != null) {
            try {
                type.check(defaultValue);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("property " + name + ": bad default: " + e.getMessage(), e);
            }
        }
    }

    /** A property the user must give (no default). */
    public static <T> PropertySpec<T> required(String name, PropertyType<T> type, String help) {
        return new PropertySpec<>(name, type, null, help);
    }

    public static PropertySpec<Boolean> bool(String name, boolean def, String help) {
        return new PropertySpec<>(name, PropertyType.BOOL, def, help);
    }

    public static PropertySpec<Long> uint(String name, long def, long min, long max, String help) {
        return new PropertySpec<>(name, PropertyType.uint(min, max), def, help);
    }

    public static PropertySpec<String> string(String name, String def, String help) {
        return new PropertySpec<>(name, PropertyType.STRING, def, help);
    }

    public static PropertySpec<String> oneOf(String name, String def, String help, String... choices) {
        return new PropertySpec<>(name, PropertyType.oneOf(choices), def, help);
    }
}
