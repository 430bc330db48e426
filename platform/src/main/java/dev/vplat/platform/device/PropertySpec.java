package dev.vplat.platform.device;

/** One property a device type accepts: its name, type, default (null = required) and help text. */
public record PropertySpec<T>(String name, PropertyType<T> type, T defaultValue, String help) {
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
