package dev.vplat.iommu.smmuv3;

/** CMDQ_CONS.ERR codes (IHI 0070 §7.1). */
public final class CommandError {
    public static final int CERROR_NONE = 0x00;
    public static final int CERROR_ILL = 0x01;
    public static final int CERROR_ABT = 0x02;
    public static final int CERROR_ATC_INV_SYNC = 0x03;

    private CommandError() {
    }
}
