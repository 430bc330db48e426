package dev.vplat.platform.machine;

/** One entry of the machine's published memory map (MACHINE_INFO "memory"). */
public record MemoryMapEntry(String kind, String name, long base, long size) {
}
