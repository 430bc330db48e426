package dev.vplat.guest.pci;

/**
 * A PCI function address: segment 0, bus, device (0..31), function (0..7). Prints and parses as
 * Linux does ({@code 0000:00:03.0}); {@link #rid()} is the 16-bit requester ID.
 */
public record Bdf(int bus, int device, int function) {
    public Bdf {
        if (bus < 0 || bus > 255 || device < 0 || device > 31 || function < 0 || function > 7) {
            throw new IllegalArgumentException("bad bus/device/function " + bus + "/" + device + "/" + function);
        }
    }

    /** Parses {@code 0000:BB:DD.F} or {@code BB:DD.F} (hex). */
    public static Bdf parse(String s) {
        String t = s.trim();
        String[] parts = t.split(":");
        if (parts.length == 3) {
            if (Integer.parseInt(parts[0], 16) != 0) {
                throw new IllegalArgumentException("only PCI segment 0 exists: " + s);
            }
            parts = new String[]{parts[1], parts[2]};
        }
        if (parts.length != 2 || !parts[1].contains(".")) {
            throw new IllegalArgumentException("expected [0000:]BB:DD.F, got " + s);
        }
        String[] df = parts[1].split("\\.");
        return new Bdf(Integer.parseInt(parts[0], 16), Integer.parseInt(df[0], 16), Integer.parseInt(df[1], 16));
    }

    public static Bdf ofRid(int rid) {
        return new Bdf((rid >> 8) & 0xff, (rid >> 3) & 0x1f, rid & 7);
    }

    /** bus << 8 | device << 3 | function. */
    public int rid() {
        return bus << 8 | device << 3 | function;
    }

    public int devfn() {
        return device << 3 | function;
    }

    @Override
    public String toString() {
        return String.format("0000:%02x:%02x.%x", bus, device, function);
    }
}
