package dev.vplat.iommu.smmuv3;

/**
 * One event record before it is written to the event queue (IHI 0070 §7.3, 32 bytes). Each
 * record type uses a subset of the fields; {@link #encode()} places only the ones its figure
 * defines and leaves the rest RES0.
 *
 * @param ssv        a SubstreamID came with the transaction
 * @param stage2     the fault happened at stage 2 (S2)
 * @param eventClass CLASS: 0 CD fetch, 1 stage-1 table fetch (TT), 2 input address (IN)
 * @param read       RnW of the incoming transaction
 * @param privileged PnU after the STE override
 * @param ipa        the IPA field of stage-2 translation-related faults
 * @param fetchAddr  FetchAddr of F_STE_FETCH, F_CD_FETCH and F_WALK_EABT
 */
public record SmmuEvent(EventType type, int streamId, boolean ssv, int substreamId, boolean stage2, int eventClass,
                        boolean read, boolean privileged, long inputAddr, long ipa, long fetchAddr) {
    public static final int CLASS_CD = 0, CLASS_TT = 1, CLASS_IN = 2;

    /** A configuration event with no fault details (C_BAD_STREAMID, C_BAD_STE, C_BAD_CD, …). */
    static SmmuEvent config(EventType type, int sid, boolean ssv, int ssid) {
        return new SmmuEvent(type, sid, ssv, ssid, false, 0, false, false, 0, 0, 0);
    }

    static SmmuEvent fetch(EventType type, int sid, boolean ssv, int ssid, long fetchAddr) {
        return new SmmuEvent(type, sid, ssv, ssid, false, 0, false, false, 0, 0, fetchAddr);
    }

    /** The four little-endian 64-bit words of the record. */
    public long[] encode() {
        long dw0 = type.code() | (long) streamId << 32;
        long dw1 = 0;
        long dw2 = 0;
        long dw3 = 0;
        switch (type) {
            case F_STREAM_DISABLED -> {
            }
            case C_BAD_SUBSTREAMID -> dw0 |= (substreamId & 0xF_FFFFL) << 12;
            case C_BAD_STREAMID, C_BAD_STE, C_BAD_CD -> dw0 |= substream();
            case F_STE_FETCH, F_CD_FETCH -> {
                dw0 |= substream();
                dw3 = fetchAddr & 0x00FF_FFFF_FFFF_FFF8L;
            }
            default -> {
                dw0 |= substream();
                dw1 = faultAttributes();
                dw2 = inputAddr;
                dw3 = type == EventType.F_WALK_EABT ? fetchAddr & 0x00FF_FFFF_FFFF_FFF8L
                        : stage2 ? ipa & 0x00FF_FFFF_FFFF_F000L : 0;
            }
        }
        return new long[] {dw0, dw1, dw2, dw3};
    }

    private long substream() {
        return ssv ? 1L << 11 | (substreamId & 0xF_FFFFL) << 12 : 0;
    }

    /** PnU 33, InD 34 (always data), RnW 35, S2 39, CLASS [41:40], TTRnW 44 (table fetches are reads). */
    private long faultAttributes() {
        long v = (privileged ? 1L << 33 : 0) | (read ? 1L << 35 : 0) | (stage2 ? 1L << 39 : 0)
                | (long) (eventClass & 3) << 40;
        if (eventClass == CLASS_TT) {
            v |= 1L << 44;
        }
        return v;
    }
}
