package dev.vplat.pci.dma;

/** Direction of a DMA seen from memory: the device reads memory, or writes it. */
public enum DmaDirection {
    READ, WRITE
}
