package dev.vplat.guest.drivers;

import dev.vplat.guest.pci.Bdf;

/**
 * One 32-byte event record as the event-queue handler read it (IHI 0070 §7.3; Linux EVTQ_*):
 * DW0 EventType [7:0], SSV 11, SubstreamID [31:12], StreamID [63:32]; DW1 PnU 33, InD 34,
 * RnW 35, S2 39, CLASS [41:40], TTRnW 44; DW2 InputAddr; DW3 the IPA or FetchAddr.
 */
public record SmmuEventRecord(long dw0, long dw1, long dw2, long dw3) {
    /** EventType codes of §7.3. */
    public static final int C_BAD_STREAMID = 0x02, F_STE_FETCH = 0x03, C_BAD_STE = 0x04, F_STREAM_DISABLED = 0x06,
            C_BAD_SUBSTREAMID = 0x08, F_CD_FETCH = 0x09, C_BAD_CD = 0x0A, F_WALK_EABT = 0x0B, F_TRANSLATION = 0x10,
            F_ADDR_SIZE = 0x11, F_ACCESS = 0x12, F_PERMISSION = 0x13;
    /** CLASS: CD fetch, stage 1 table fetch, input address. */
    public static final int CLASS_CD = 0, CLASS_TT = 1, CLASS_IN = 2;

    public static SmmuEventRecord of(long[] dw) {
        return new SmmuEventRecord(dw[0], dw[1], dw[2], dw[3]);
    }

    public int type() {
        return (int) (dw0 & 0xFF);
    }

    public boolean ssv() {
        return (dw0 >>> 11 & 1) != 0;
    }

    public int substreamId() {
        return (int) (dw0 >>> 12) & 0xF_FFFF;
    }

    public int streamId() {
        return (int) (dw0 >>> 32);
    }

    public Bdf requester() {
        return Bdf.ofRid(streamId() & 0xFFFF);
    }

    public boolean privileged() {
        return (dw1 >>> 33 & 1) != 0;
    }

    public boolean instruction() {
        return (dw1 >>> 34 & 1) != 0;
    }

    /** RnW: the faulting access was a read. */
    public boolean read() {
        return (dw1 >>> 35 & 1) != 0;
    }

    public boolean stage2() {
        return (dw1 >>> 39 & 1) != 0;
    }

    public int eventClass() {
        return (int) (dw1 >>> 40) & 3;
    }

    public long inputAddress() {
        return dw2;
    }

    /** FetchAddr [55:3] of F_STE_FETCH, F_CD_FETCH and F_WALK_EABT. */
    public long fetchAddress() {
        return dw3 & 0x00FF_FFFF_FFFF_FFF8L;
    }

    /** The name Linux's event decoder prints for {@link #type()}. */
    public String typeName() {
        return switch (type()) {
            case C_BAD_STREAMID -> "C_BAD_STREAMID";
            case F_STE_FETCH -> "F_STE_FETCH";
            case C_BAD_STE -> "C_BAD_STE";
            case F_STREAM_DISABLED -> "F_STREAM_DISABLED";
            case C_BAD_SUBSTREAMID -> "C_BAD_SUBSTREAMID";
            case F_CD_FETCH -> "F_CD_FETCH";
            case C_BAD_CD -> "C_BAD_CD";
            case F_WALK_EABT -> "F_WALK_EABT";
            case F_TRANSLATION -> "F_TRANSLATION";
            case F_ADDR_SIZE -> "F_ADDR_SIZE";
            case F_ACCESS -> "F_ACCESS";
            case F_PERMISSION -> "F_PERMISSION";
            default -> String.format("event 0x%02x", type());
        };
    }

    @Override
    public String toString() {
        return String.format("%s sid 0x%x%s %s class %d input 0x%x", typeName(), streamId(),
                ssv() ? " ssid 0x" + Integer.toHexString(substreamId()) : "", read() ? "read" : "write", eventClass(),
                inputAddress());
    }
}
