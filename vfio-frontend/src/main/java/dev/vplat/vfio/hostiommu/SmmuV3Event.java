package dev.vplat.vfio.hostiommu;

import java.util.Locale;
import java.util.Map;

/**
 * One event record the host SMMUv3 driver read from the event queue (IHI 0070 §7.3, fact sheet
 * §B.14): the event type, the StreamID (= requester ID) and SubstreamID, the input address, the
 * access direction, and the four raw doublewords, which Linux prints as "event 0x.. received".
 */
public record SmmuV3Event(String unitId, int type, int streamId, boolean ssv, int substreamId, long inputAddress,
                          boolean read, boolean stage2, long[] raw) {
    public static final int C_BAD_STREAMID = 0x02, F_STE_FETCH = 0x03, C_BAD_STE = 0x04;
    public static final int F_STREAM_DISABLED = 0x06, C_BAD_SUBSTREAMID = 0x08, F_CD_FETCH = 0x09;
    public static final int C_BAD_CD = 0x0A, F_WALK_EABT = 0x0B, F_TRANSLATION = 0x10, F_ADDR_SIZE = 0x11;
    public static final int F_ACCESS = 0x12, F_PERMISSION = 0x13;
    private static final Map<Integer, String> NAMES = Map.ofEntries(
            Map.entry(C_BAD_STREAMID, "C_BAD_STREAMID"), Map.entry(F_STE_FETCH, "F_STE_FETCH"),
            Map.entry(C_BAD_STE, "C_BAD_STE"), Map.entry(F_STREAM_DISABLED, "F_STREAM_DISABLED"),
            Map.entry(C_BAD_SUBSTREAMID, "C_BAD_SUBSTREAMID"), Map.entry(F_CD_FETCH, "F_CD_FETCH"),
            Map.entry(C_BAD_CD, "C_BAD_CD"), Map.entry(F_WALK_EABT, "F_WALK_EABT"),
            Map.entry(F_TRANSLATION, "F_TRANSLATION"), Map.entry(F_ADDR_SIZE, "F_ADDR_SIZE"),
            Map.entry(F_ACCESS, "F_ACCESS"), Map.entry(F_PERMISSION, "F_PERMISSION"));

    public SmmuV3Event {
        raw = raw.clone();
    }

    @Override
    public long[] raw() {
        return raw.clone();
    }

    /** Decodes a 32-byte record (DW0 type/SSV/SSID/SID, DW1 RnW 35 and S2 39, DW2 InputAddr). */
    static SmmuV3Event decode(String unitId, long[] dw) {
        return new SmmuV3Event(unitId, (int) (dw[0] & 0xFF), (int) (dw[0] >>> 32), (dw[0] >>> 11 & 1) != 0,
                (int) (dw[0] >>> 12 & 0xF_FFFF), dw[2], (dw[1] >>> 35 & 1) != 0, (dw[1] >>> 39 & 1) != 0, dw);
    }

    /** The event's architectural name, or its code in hex. */
    public String typeName() {
        return NAMES.getOrDefault(type, String.format(Locale.ROOT, "0x%02x", type));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s: event %s received: sid 0x%x%s iova 0x%x %s%s "
                        + "[0x%016x 0x%016x 0x%016x 0x%016x]", unitId, typeName(), streamId,
                ssv ? String.format(Locale.ROOT, " ssid 0x%x", substreamId) : "", inputAddress,
                read ? "read" : "write", stage2 ? " (stage 2)" : "", raw[0], raw[1], raw[2], raw[3]);
    }
}
