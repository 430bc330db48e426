package dev.vplat.pci.lspci;

/**
 * What {@code lspci} was asked for: {@code -t}, the count of {@code -v} (0..2) and the count of
 * {@code -x} (1: the 64-byte header, 2..3: 256 bytes, 4: the 4096-byte extended space), as
 * pciutils' lspci.c reads its options.
 */
public record LspciOptions(boolean tree, int verbosity, int hex) {
    public LspciOptions {
        if (verbosity < 0 || hex < 0) {
            throw new IllegalArgumentException("counts of -v and -x cannot be negative");
        }
    }

    /** Plain {@code lspci}. */
    public static LspciOptions terse() {
        return new LspciOptions(false, 0, 0);
    }
}
