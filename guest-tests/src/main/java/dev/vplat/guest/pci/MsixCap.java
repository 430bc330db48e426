package dev.vplat.guest.pci;

import static dev.vplat.guest.pci.PciRegs.*;

/**
 * The MSI-X capability of a function (PCI Local Bus 3.0 §6.8.2): Message Control (table size,
 * Function Mask, Enable) and the table and PBA, which live in a BAR at the offsets the Table
 * Offset/BIR and PBA Offset/BIR registers give. The BAR must be assigned and memory decoding on
 * before the table is touched.
 */
public final class MsixCap {
    private final PciDev dev;
    private final int offset;

    MsixCap(PciDev dev, int offset) {
        this.dev = dev;
        this.offset = offset;
    }

    public int offset() {
        return offset;
    }

    public int control() {
        return dev.configReadw(offset + MSIX_FLAGS);
    }

    /** Number of table entries (Table Size + 1). */
    public int tableSize() {
        return (control() & MSIX_FLAGS_QSIZE) + 1;
    }

    public int tableBar() {
        return dev.configReadl(offset + MSIX_TABLE) & MSIX_BIR_MASK;
    }

    public long tableOffset() {
        return dev.configReadl(offset + MSIX_TABLE) & ~MSIX_BIR_MASK & 0xffff_ffffL;
    }

    public int pbaBar() {
        return dev.configReadl(offset + MSIX_PBA) & MSIX_BIR_MASK;
    }

    public long pbaOffset() {
        return dev.configReadl(offset + MSIX_PBA) & ~MSIX_BIR_MASK & 0xffff_ffffL;
    }

    /**
     * Sets MSI-X Enable with the Function Mask set, so no vector fires while the table is being
     * written (Linux msix_capability_init); disables INTx.
     */
    public void enable() {
        dev.commandSet(COMMAND_INTX_DISABLE);
        dev.configWritew(offset + MSIX_FLAGS, control() | MSIX_FLAGS_ENABLE | MSIX_FLAGS_MASKALL);
    }

    /** Clears the Function Mask: unmasked vectors may now signal. */
    public void unmaskAll() {
        dev.configWritew(offset + MSIX_FLAGS, control() & ~MSIX_FLAGS_MASKALL);
    }

    public void disable() {
        dev.configWritew(offset + MSIX_FLAGS, control() & ~MSIX_FLAGS_ENABLE);
    }

    public boolean enabled() {
        return (control() & MSIX_FLAGS_ENABLE) != 0;
    }

    private long entry(int vector) {
        if (vector < 0 || vector >= tableSize()) {
            throw new IllegalArgumentException("MSI-X vector " + vector + " outside a table of " + tableSize());
        }
        return tableOffset() + (long) vector * MSIX_ENTRY_SIZE;
    }

    /** Writes entry {@code vector}'s address and data, leaving its mask bit as it is. */
    public void setVector(int vector, long address, int data) {
        long e = entry(vector);
        dev.barWritel(tableBar(), e + MSIX_ENTRY_LOWER_ADDR, (int) address);
        dev.barWritel(tableBar(), e + MSIX_ENTRY_UPPER_ADDR, (int) (address >>> 32));
        dev.barWritel(tableBar(), e + MSIX_ENTRY_DATA, data);
    }

    /** Sets or clears entry {@code vector}'s Mask bit (Vector Control bit 0). */
    public void mask(int vector, boolean masked) {
        long ctrl = entry(vector) + MSIX_ENTRY_VECTOR_CTRL;
        int v = dev.barReadl(tableBar(), ctrl);
        dev.barWritel(tableBar(), ctrl, masked ? v | MSIX_ENTRY_CTRL_MASKBIT : v & ~MSIX_ENTRY_CTRL_MASKBIT);
    }

    public boolean masked(int vector) {
        return (dev.barReadl(tableBar(), entry(vector) + MSIX_ENTRY_VECTOR_CTRL) & MSIX_ENTRY_CTRL_MASKBIT) != 0;
    }

    /** Whether vector {@code vector}'s Pending Bit is set. */
    public boolean pending(int vector) {
        long qword = pbaOffset() + (vector / 64) * 8L;
        return (dev.barReadq(pbaBar(), qword) >>> (vector % 64) & 1) != 0;
    }

    /** The whole sequence for one vector: enable (masked), program the entry, unmask it, lift the Function Mask. */
    public void setup(int vector, long address, int data) {
        enable();
        setVector(vector, address, data);
        mask(vector, false);
        unmaskAll();
    }
}
