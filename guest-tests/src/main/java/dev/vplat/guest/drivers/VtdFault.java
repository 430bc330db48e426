package dev.vplat.guest.drivers;

import dev.vplat.guest.pci.Bdf;

/**
 * One primary fault record as the fault handler read it from FRCD (VT-d §11.4.14): the requester,
 * the reason code (§7.2, table of fault reasons; 0x02 = context entry not present, 0x05 = write
 * without W, 0x06 = read without R), the faulting page address and the access type.
 */
public record VtdFault(int sourceId, int reason, long address, boolean write) {
    public Bdf requester() {
        return Bdf.ofRid(sourceId);
    }

    @Override
    public String toString() {
        return String.format("DMAR fault: [%s] %s 0x%x reason 0x%02x", requester(), write ? "write" : "read",
                address, reason);
    }
}
