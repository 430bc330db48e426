package dev.vplat.pci;

/**
 * A PCI requester ID (PCIe Base spec §2.2.6.2): the bus number and device/function number a
 * function puts on its requests. IOMMUs index their tables by it, so it is the identity of DMA.
 */
public record RequesterId(int bus, int devfn) implements Comparable<RequesterId> {
    public RequesterId {
        if (bus < 0 || bus > 0xFF || devfn < 0 || devfn > 0xFF) {
            throw new IllegalArgumentException("bus and devfn must be 0..255");
        }
    }

    public static RequesterId of(int bus, int device, int function) {
        if (device < 0 || device > 31 || function < 0 || function > 7) {
            throw new IllegalArgumentException("device must be 0..31 and function 0..7");
        }
        return new RequesterId(bus, (device << 3) | function);
    }

    public static RequesterId fromValue(int value) {
        return new RequesterId((value >>> 8) & 0xFF, value & 0xFF);
    }

    /** Parses {@code 00:03.0} or {@code 0000:00:03.0} (segment 0 only). */
    public static RequesterId parse(String bdf) {
        String s = bdf.trim();
        if (s.length() == 12 && s.charAt(4) == ':') {
            if (!s.startsWith("0000")) {
                throw new IllegalArgumentException("only PCI segment 0000 exists: " + bdf);
            }
            s = s.substring(5);
        }
        if (s.length() != 7 || s.charAt(2) != ':' || s.charAt(5) != '.') {
            throw new IllegalArgumentException("expected BB:DD.F or 0000:BB:DD.F, got '" + bdf + "'");
        }
        try {
            return of(Integer.parseInt(s.substring(0, 2), 16), Integer.parseInt(s.substring(3, 5), 16),
                    Integer.parseInt(s.substring(6, 7), 16));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected BB:DD.F or 0000:BB:DD.F, got '" + bdf + "'");
        }
    }

    public int device() {
        return devfn >>> 3;
    }

    public int function() {
        return devfn & 7;
    }

    /** The 16-bit value hardware carries: bus &lt;&lt; 8 | devfn. */
    public int value() {
        return (bus << 8) | devfn;
    }

    /** Linux's sysfs name, {@code 0000:00:03.0}. */
    public String bdf() {
        return String.format("0000:%02x:%02x.%x", bus, device(), function());
    }

    @Override
    public String toString() {
        return String.format("%02x:%02x.%x", bus, device(), function());
    }

    @Override
    public int compareTo(RequesterId o) {
        return Integer.compare(value(), o.value());
    }
}
