package dev.vplat.iommu.smmuv3;

/** An STE or CD that is invalid or ILLEGAL (IHI 0070 §5.2.2, §5.4.2); the message says which rule. */
final class IllegalStructureException extends Exception {
    IllegalStructureException(String reason) {
        super(reason, null, false, false);
    }
}
