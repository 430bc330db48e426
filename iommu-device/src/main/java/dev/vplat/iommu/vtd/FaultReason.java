package dev.vplat.iommu.vtd;

/**
 * Fault reasons a VT-d unit writes into FRCD.FR (VT-d spec Appendix A; the strings Linux prints
 * are in drivers/iommu/intel/dmar.c). {@code qualified} faults are the ones a context, PASID
 * directory or PASID entry with FPD=1 suppresses; the others are always recorded, because the
 * entry carrying FPD could not be trusted (QEMU vtd_qualified_faults makes the same split).
 */
public enum FaultReason {
    ROOT_ENTRY_NOT_PRESENT(0x01, false),
    CONTEXT_ENTRY_NOT_PRESENT(0x02, false),
    CONTEXT_ENTRY_INVALID(0x03, true),
    ADDRESS_BEYOND_MGAW(0x04, true),
    WRITE_DENIED(0x05, true),
    READ_DENIED(0x06, true),
    PAGING_ENTRY_INVALID(0x07, true),
    ROOT_TABLE_INVALID(0x08, false),
    CONTEXT_TABLE_INVALID(0x09, false),
    ROOT_ENTRY_RESERVED(0x0A, false),
    CONTEXT_ENTRY_RESERVED(0x0B, false),
    PAGING_ENTRY_RESERVED(0x0C, true),
    INTERRUPT_ADDRESS(0x0E, true),

    IR_REQUEST_RESERVED(0x20, false),
    IR_INDEX_OVERFLOW(0x21, false),
    IR_ENTRY_NOT_PRESENT(0x22, true),
    IR_TABLE_ACCESS_ERROR(0x23, false),
    IR_ENTRY_RESERVED(0x24, true),
    IR_COMPATIBILITY_BLOCKED(0x25, false),
    IR_SOURCE_ID_INVALID(0x26, true),

    SM_INVALID_ROOT_TABLE(0x30, false),
    SM_TTM_LEGACY_WITH_PASID(0x31, false),
    SM_ROOT_ENTRY_ACCESS(0x38, false),
    SM_ROOT_ENTRY_NOT_PRESENT(0x39, false),
    SM_ROOT_ENTRY_RESERVED(0x3A, false),
    SM_CONTEXT_ENTRY_ACCESS(0x40, false),
    SM_CONTEXT_ENTRY_NOT_PRESENT(0x41, false),
    SM_CONTEXT_ENTRY_RESERVED(0x42, false),
    SM_CONTEXT_ENTRY_INVALID(0x43, true),
    SM_PASID_DISABLED(0x45, true),
    SM_PASID_BEYOND_DIRECTORY(0x46, true),
    SM_PASID_DIR_ACCESS(0x50, false),
    SM_PASID_DIR_NOT_PRESENT(0x51, true),
    SM_PASID_DIR_RESERVED(0x52, false),
    SM_PASID_ENTRY_ACCESS(0x58, false),
    SM_PASID_ENTRY_NOT_PRESENT(0x59, true),
    SM_PASID_ENTRY_RESERVED(0x5A, false),
    SM_PASID_ENTRY_INVALID(0x5B, true),
    SM_FL_ENTRY_ACCESS(0x70, true),
    SM_FL_ENTRY_NOT_PRESENT(0x71, true),
    SM_FL_ENTRY_RESERVED(0x72, true),
    SM_FL_TOP_ACCESS(0x73, true),
    SM_SL_ENTRY_ACCESS(0x78, true),
    SM_SL_ENTRY_RESERVED(0x7A, true),
    SM_SL_TOP_INVALID(0x7B, true),
    SM_NOT_CANONICAL(0x80, true),
    SM_USER_DENIED(0x81, true),
    SM_ADDRESS_BEYOND_MAX(0x83, true),
    SM_WRITE_DENIED(0x85, true),
    SM_READ_DENIED(0x86, true),
    SM_INTERRUPT_ADDRESS(0x87, true),
    SM_FL_AD_UPDATE_FAILED(0x91, true);

    private final int code;
    private final boolean qualified;

    FaultReason(int code, boolean qualified) {
        this.code = code;
        this.qualified = qualified;
    }

    /** The FRCD.FR value. */
    public int code() {
        return code;
    }

    /** Whether FPD=1 in the entries on the path suppresses recording. */
    public boolean qualified() {
        return qualified;
    }

    public boolean isInterruptRemapping() {
        return code >= 0x20 && code < 0x30;
    }

    public static FaultReason ofCode(int code) {
        for (FaultReason r : values()) {
            if (r.code == code) {
                return r;
            }
        }
        throw new IllegalArgumentException("no VT-d fault reason 0x" + Integer.toHexString(code));
    }
}
