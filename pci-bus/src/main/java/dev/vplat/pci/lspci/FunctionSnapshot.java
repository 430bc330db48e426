package dev.vplat.pci.lspci;

import dev.vplat.pci.BarInfo;
import dev.vplat.pci.PciFunction;
import dev.vplat.pci.PciHost;
import dev.vplat.pci.config.PciConfig;
import dev.vplat.pci.sdk.BarKind;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * What lspci knows about one function: the bytes of its configuration space (as pciutils reads
 * sysfs {@code config}) plus what the operating system reports beside them — the bound driver
 * (sysfs {@code driver}), the IOMMU group ({@code iommu_group}) and the BAR resources
 * ({@code resource}: start, size and the BAR's low flag bits, lib/sysfs.c
 * sysfs_get_resources). The renderer needs nothing else, so a function of this process and one
 * read over the wire from a server render the same way.
 *
 * <p>The config bytes are cut to 256 when the function has no PCI Express capability or its
 * extended space reads as all-ones, which is how Linux sizes config space
 * (drivers/pci/probe.c pci_cfg_space_size) and so what sysfs {@code config} would hold.
 */
public final class FunctionSnapshot {
    /**
     * One BAR as the OS reports it (sysfs {@code resource} line {@code index}; 6 is the ROM).
     * {@code flags} are the BAR's low bits (I/O space, 64-bit, prefetchable), as the kernel keeps
     * them in the resource flags and pciutils ORs them into {@code base_addr}.
     */
    public record Resource(int index, long start, long size, int flags) {
        /** pciutils' {@code base_addr}/{@code rom_base_addr}: start with the flag bits. */
        long baseAddr() {
            return start | (flags & 0xF);
        }
    }

    private final int bus;
    private final int devfn;
    private final byte[] config;
    private final String driver;
    private final Integer iommuGroup;
    private final List<Resource> resources;

    /**
     * @param config 256 or 4096 bytes of configuration space, read from offset 0
     * @param driver the bound driver's name, or null
     * @param iommuGroup the IOMMU group number, or null when the function has none
     */
    public FunctionSnapshot(int bus, int devfn, byte[] config, String driver, Integer iommuGroup, List<Resource> resources) {
        if (config.length < 64) {
            throw new IllegalArgumentException("config space snapshot needs at least the 64-byte header");
        }
        this.bus = bus;
        this.devfn = devfn;
        this.config = Arrays.copyOf(config, extendedSpaceReadable(config) ? Math.min(config.length, 4096) : 256);
        this.driver = driver;
        this.iommuGroup = iommuGroup;
        this.resources = List.copyOf(resources);
    }

    /** A function of this process, read through its config space, with the OS view given by the caller. */
    public static FunctionSnapshot capture(PciFunction f, String driver, Integer iommuGroup) {
        byte[] bytes = new byte[f.configSize()];
        for (int i = 0; i < bytes.length; i += 4) {
            long dword = f.configRead(i, 4);
            for (int k = 0; k < 4; k++) {
                bytes[i + k] = (byte) (dword >>> (8 * k));
            }
        }
        return new FunctionSnapshot(f.bus().number(), f.devfn(), bytes, driver, iommuGroup, resources(f));
    }

    /** Every function of {@code host}, without OS information (no driver, no group). */
    public static List<FunctionSnapshot> captureAll(PciHost host) {
        List<FunctionSnapshot> out = new ArrayList<>();
        for (PciFunction f : host.functions()) {
            out.add(capture(f, null, null));
        }
        return out;
    }

    /**
     * The BARs a kernel sees, as vplat's host kernel does: the programmed address and the decoded
     * size. A BAR without an address carries no flag bits, so that lspci shows it as
     * {@code <unassigned>} rather than as a region only the OS knows ({@code [virtual]}).
     */
    public static List<Resource> resources(PciFunction f) {
        List<Resource> out = new ArrayList<>();
        for (BarInfo b : f.bars()) {
            int flags = b.index() == BarInfo.ROM_INDEX || b.address() == 0 ? 0
                    : b.kind() == BarKind.IO ? PciConfig.BAR_SPACE_IO
                    : (b.kind() == BarKind.MEMORY64 ? PciConfig.BAR_MEM_TYPE_64 : 0)
                    | (b.prefetchable() ? PciConfig.BAR_MEM_PREFETCH : 0);
            out.add(new Resource(b.index(), b.address(), b.size(), flags));
        }
        return out;
    }

    private static boolean extendedSpaceReadable(byte[] config) {
        if (config.length <= 256 || findCapability(config, PciConfig.CAP_ID_EXP) == 0) {
            return false;
        }
        return le(config, 0x100, 4) != 0xFFFF_FFFFL;
    }

    /** Offset of standard capability {@code id} in {@code config}, or 0 (Linux pci_find_capability). */
    static int findCapability(byte[] config, int id) {
        if ((le(config, PciConfig.STATUS, 2) & PciConfig.STATUS_CAP_LIST) == 0) {
            return 0;
        }
        int at = (int) le(config, PciConfig.CAPABILITY_LIST, 1) & 0xFC;
        for (int ttl = 48; at >= 0x40 && ttl > 0; ttl--) {
            if (le(config, at, 1) == id) {
                return at;
            }
            at = (int) le(config, at + 1, 1) & 0xFC;
        }
        return 0;
    }

    private static long le(byte[] b, int at, int size) {
        long v = 0;
        for (int i = 0; i < size; i++) {
            v |= (b[at + i] & 0xFFL) << (8 * i);
        }
        return v;
    }

    /** lspci's order (lspci.c sort_them): bus, then device, then function. */
    static final Comparator<FunctionSnapshot> ORDER = Comparator.comparingInt(FunctionSnapshot::bus)
            .thenComparingInt(FunctionSnapshot::devfn);

    public int bus() {
        return bus;
    }

    public int devfn() {
        return devfn;
    }

    public int device() {
        return devfn >>> 3;
    }

    public int function() {
        return devfn & 7;
    }

    /** {@code 00:03.0}, lspci's slot name without the domain. */
    public String slot() {
        return String.format(Locale.ROOT, "%02x:%02x.%d", bus, device(), function());
    }

    /** Bytes of config space held: 256, or 4096 for a PCI Express function whose extended space was read. */
    public int configSize() {
        return config.length;
    }

    public String driver() {
        return driver;
    }

    public Integer iommuGroup() {
        return iommuGroup;
    }

    /** The OS's resource for BAR {@code index} (6 = ROM), or null when it reports none. */
    Resource resource(int index) {
        for (Resource r : resources) {
            if (r.index() == index) {
                return r;
            }
        }
        return null;
    }

    public List<Resource> resources() {
        return resources;
    }

    int u8(int at) {
        return at < config.length ? config[at] & 0xFF : 0xFF;
    }

    int u16(int at) {
        return u8(at) | u8(at + 1) << 8;
    }

    long u32(int at) {
        return (u16(at) | (long) u16(at + 2) << 16) & 0xFFFF_FFFFL;
    }

    int vendorId() {
        return u16(PciConfig.VENDOR_ID);
    }

    int deviceId() {
        return u16(PciConfig.DEVICE_ID);
    }

    /** Base class and subclass, e.g. 0x0604. */
    int deviceClass() {
        return u16(PciConfig.CLASS_PROG + 1);
    }

    int headerType() {
        return PciConfig.headerType(u8(PciConfig.HEADER_TYPE));
    }
}
