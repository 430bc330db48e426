package dev.vplat.vfio.platform;

/**
 * How virtual time moves: only when a client steps it ({@code virtual}, deterministic, the
 * default, like QEMU's {@code -accel qtest}), or also with the wall clock ({@code realtime}).
 */
public enum ClockMode {
    VIRTUAL, REALTIME;

    public static ClockMode parse(String text) {
        for (ClockMode m : values()) {
            if (m.name().equalsIgnoreCase(text)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown clock mode '" + text + "' (use virtual or realtime)");
    }
}
