package dev.vplat.platform.irq;

/**
 * An MSI as it appears on the bus: a 32-bit write of {@code data} to {@code address}, issued by
 * {@code requesterId} (bus &lt;&lt; 8 | devfn), or -1 when the writer has no requester ID (a CPU store).
 */
public record MsiMessage(long address, int data, int requesterId) {
    /** The x86 interrupt window; DMA writes here are interrupt requests, never memory writes. */
    public static final long X86_WINDOW_BASE = 0xFEE0_0000L;
    public static final long X86_WINDOW_SIZE = 0x10_0000L;

    public static boolean inX86Window(long address) {
        return address >= X86_WINDOW_BASE && address < X86_WINDOW_BASE + X86_WINDOW_SIZE;
    }
}
