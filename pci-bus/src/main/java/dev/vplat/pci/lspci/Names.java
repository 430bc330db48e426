package dev.vplat.pci.lspci;

import java.util.Locale;
import java.util.Map;

/**
 * Class names as lspci prints them from the class section of pci.ids. Vendor and device names
 * are not carried (vplat has no ID database), so devices print as {@code Device 1234:11e8}, the
 * way pciutils' lib/names.c falls back for IDs it does not know.
 */
final class Names {
    private Names() {
    }

    private static final Map<Integer, String> BASE_CLASSES = Map.ofEntries(
            Map.entry(0x00, "Unclassified device"), Map.entry(0x01, "Mass storage controller"),
            Map.entry(0x02, "Network controller"), Map.entry(0x03, "Display controller"),
            Map.entry(0x04, "Multimedia controller"), Map.entry(0x05, "Memory controller"),
            Map.entry(0x06, "Bridge"), Map.entry(0x07, "Communication controller"),
            Map.entry(0x08, "Generic system peripheral"), Map.entry(0x09, "Input device controller"),
            Map.entry(0x0A, "Docking station"), Map.entry(0x0B, "Processor"),
            Map.entry(0x0C, "Serial bus controller"), Map.entry(0x0D, "Wireless controller"),
            Map.entry(0x0E, "Intelligent controller"), Map.entry(0x0F, "Satellite communications controller"),
            Map.entry(0x10, "Encryption controller"), Map.entry(0x11, "Signal processing controller"),
            Map.entry(0x12, "Processing accelerators"), Map.entry(0x13, "Non-Essential Instrumentation"),
            Map.entry(0x40, "Coprocessor"), Map.entry(0xFF, "Unassigned class"));

    private static final Map<Integer, String> SUBCLASSES = Map.ofEntries(
            Map.entry(0x0000, "Non-VGA unclassified device"), Map.entry(0x0001, "VGA compatible unclassified device"),
            Map.entry(0x0100, "SCSI storage controller"), Map.entry(0x0101, "IDE interface"),
            Map.entry(0x0104, "RAID bus controller"), Map.entry(0x0105, "ATA controller"),
            Map.entry(0x0106, "SATA controller"), Map.entry(0x0107, "Serial Attached SCSI controller"),
            Map.entry(0x0108, "Non-Volatile memory controller"), Map.entry(0x0180, "Mass storage controller"),
            Map.entry(0x0200, "Ethernet controller"), Map.entry(0x0280, "Network controller"),
            Map.entry(0x0300, "VGA compatible controller"), Map.entry(0x0302, "3D controller"),
            Map.entry(0x0380, "Display controller"), Map.entry(0x0403, "Audio device"),
            Map.entry(0x0500, "RAM memory"), Map.entry(0x0580, "Memory controller"),
            Map.entry(0x0600, "Host bridge"), Map.entry(0x0601, "ISA bridge"), Map.entry(0x0604, "PCI bridge"),
            Map.entry(0x0607, "CardBus bridge"), Map.entry(0x0609, "Semi-transparent PCI-to-PCI bridge"),
            Map.entry(0x0680, "Bridge"), Map.entry(0x0700, "Serial controller"),
            Map.entry(0x0780, "Communication controller"), Map.entry(0x0800, "PIC"),
            Map.entry(0x0801, "DMA controller"), Map.entry(0x0802, "Timer"), Map.entry(0x0803, "RTC"),
            Map.entry(0x0805, "SD Host controller"), Map.entry(0x0806, "IOMMU"),
            Map.entry(0x0880, "System peripheral"), Map.entry(0x0C03, "USB controller"),
            Map.entry(0x0C05, "SMBus"), Map.entry(0x1200, "Processing accelerators"));

    /** pciutils PCI_LOOKUP_CLASS: the subclass name, else {@code Base name [cccc]}, else {@code Class cccc}. */
    static String deviceClass(int cls) {
        String sub = SUBCLASSES.get(cls);
        if (sub != null) {
            return sub;
        }
        String base = BASE_CLASSES.get(cls >>> 8);
        return base != null ? String.format(Locale.ROOT, "%s [%04x]", base, cls) : String.format(Locale.ROOT, "Class %04x", cls);
    }

    /** pciutils PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE for IDs not in the database. */
    static String device(int vendor, int device) {
        return String.format(Locale.ROOT, "Device %04x:%04x", vendor, device);
    }
}
