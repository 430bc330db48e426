package dev.vplat.iommu.smmuv3;

/** Event record numbers this model records (IHI 0070 §7.3). */
public enum EventType {
    C_BAD_STREAMID(0x02), F_STE_FETCH(0x03), C_BAD_STE(0x04), F_STREAM_DISABLED(0x06),
    C_BAD_SUBSTREAMID(0x08), F_CD_FETCH(0x09), C_BAD_CD(0x0A), F_WALK_EABT(0x0B),
    F_TRANSLATION(0x10), F_ADDR_SIZE(0x11), F_ACCESS(0x12), F_PERMISSION(0x13);

    private final int code;

    EventType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** F_TRANSLATION, F_ADDR_SIZE, F_ACCESS, F_PERMISSION: recorded only if CD.R / STE.S2R (§5.5). */
    public boolean translationRelated() {
        return code >= 0x10 && code <= 0x13;
    }
}
