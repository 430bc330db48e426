package dev.vplat.iommu.vtd;

/**
 * Register offsets and bits of a VT-d remapping unit (VT-d spec §11.4; Linux
 * drivers/iommu/intel/iommu.h). Only constants: the declarations with masks and reset values
 * live in {@link VtdUnit}.
 */
final class VtdRegs {
    private VtdRegs() {
    }

    static final int VER = 0x000;
    static final int CAP = 0x008;
    static final int ECAP = 0x010;
    static final int GCMD = 0x018;
    static final int GSTS = 0x01C;
    static final int RTADDR = 0x020;
    static final int CCMD = 0x028;
    static final int FSTS = 0x034;
    static final int FECTL = 0x038;
    static final int FEDATA = 0x03C;
    static final int FEADDR = 0x040;
    static final int FEUADDR = 0x044;
    static final int AFLOG = 0x058;
    static final int PMEN = 0x064;
    static final int PLMBASE = 0x068;
    static final int PLMLIMIT = 0x06C;
    static final int PHMBASE = 0x070;
    static final int PHMLIMIT = 0x078;
    static final int IQH = 0x080;
    static final int IQT = 0x088;
    static final int IQA = 0x090;
    static final int ICS = 0x09C;
    static final int IECTL = 0x0A0;
    static final int IEDATA = 0x0A4;
    static final int IEADDR = 0x0A8;
    static final int IEUADDR = 0x0AC;
    static final int IQERCD = 0x0B0;
    static final int IRTA = 0x0B8;
    static final int PQH = 0x0C0;
    static final int PQT = 0x0C8;
    static final int PQA = 0x0D0;
    static final int PRS = 0x0DC;
    static final int PECTL = 0x0E0;
    static final int PEDATA = 0x0E4;
    static final int PEADDR = 0x0E8;
    static final int PEUADDR = 0x0EC;
    static final int IVA = VtdConfig.IRO * 16;
    static final int IOTLB = VtdConfig.IRO * 16 + 8;
    static final int FRCD = VtdConfig.FRO * 16;
    static final int WINDOW = 0x1000;

    // GCMD / GSTS (§11.4.4, §11.4.5): command bit n reports in status bit n.
    static final int TE = 1 << 31;
    static final int SRTP = 1 << 30;
    static final int SFL = 1 << 29;
    static final int EAFL = 1 << 28;
    static final int WBF = 1 << 27;
    static final int QIE = 1 << 26;
    static final int IRE = 1 << 25;
    static final int SIRTP = 1 << 24;
    static final int CFI = 1 << 23;

    // FSTS (§11.4.9.1)
    static final int FSTS_PFO = 1;
    static final int FSTS_PPF = 1 << 1;
    static final int FSTS_IQE = 1 << 4;
    static final int FSTS_ICE = 1 << 5;
    static final int FSTS_ITE = 1 << 6;
    static final int FSTS_FRI_SHIFT = 8;
    /** Status bits whose presence holds back a new fault event (spec §7.3.1, QEMU vtd_generate_fault_event). */
    static final int FSTS_EVENT_PENDING = FSTS_PFO | FSTS_PPF | FSTS_IQE | FSTS_ICE | FSTS_ITE;

    // Event control registers (FECTL, IECTL, PECTL)
    static final int CTL_IM = 1 << 31;
    static final int CTL_IP = 1 << 30;

    static final long RTADDR_TTM_SHIFT = 10;
    static final long IQA_DW = 1L << 11;
    static final long IRTA_EIME = 1L << 11;
}
