package dev.vplat.iommu.vtd;

/**
 * A remapping fault found while reading the unit's tables: the reason and whether an entry on
 * the path had FPD=1. Thrown only on the fault path, without a stack trace, so a fault costs
 * about as much as the table reads that found it.
 */
final class WalkFault extends Exception {
    private final FaultReason reason;
    private final boolean fpd;

    WalkFault(FaultReason reason, boolean fpd) {
        super(reason.name(), null, false, false);
        this.reason = reason;
        this.fpd = fpd;
    }

    FaultReason reason() {
        return reason;
    }

    /** Whether recording is suppressed: FPD=1 on the path and the reason is a qualified one. */
    boolean suppressed() {
        return fpd && reason.qualified();
    }

    boolean isPermission() {
        switch (reason) {
            case READ_DENIED: case WRITE_DENIED: case SM_READ_DENIED: case SM_WRITE_DENIED: case SM_USER_DENIED:
                return true;
            default:
                return false;
        }
    }
}
