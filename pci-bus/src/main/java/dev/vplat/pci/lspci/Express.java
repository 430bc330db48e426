package dev.vplat.pci.lspci;

import dev.vplat.pci.config.PciConfig;

import java.util.Locale;

import static dev.vplat.pci.lspci.Out.flag;

/**
 * The PCI Express capability (PCIe Base spec §7.5.3) as pciutils ls-caps.c cap_express prints
 * it: the port type line, then with {@code -vv} Device, Link, Slot and Root
 * Capabilities/Control/Status and, for version 2, the Device 2 and Link 2 registers.
 */
final class Express {
    private Express() {
    }

    /* Device/Port Type (PCIe Base spec §7.5.3.2). */
    static final int TYPE_ENDPOINT = 0x0;
    static final int TYPE_LEG_END = 0x1;
    static final int TYPE_ROOT_PORT = 0x4;
    static final int TYPE_UPSTREAM = 0x5;
    static final int TYPE_DOWNSTREAM = 0x6;
    static final int TYPE_PCI_BRIDGE = 0x7;
    static final int TYPE_PCIE_BRIDGE = 0x8;
    static final int TYPE_ROOT_INT_EP = 0x9;
    static final int TYPE_ROOT_EC = 0xA;

    private static final int EXP_DEVSTA = 0x0A;
    private static final int EXP_RTCTL = 0x1C;
    private static final int EXP_RTCAP = 0x1E;
    private static final int EXP_RTSTA = 0x20;
    private static final int EXP_LNKSTA2 = 0x32;

    /** Prints the capability and returns the Device/Port Type, which the extended list needs. */
    static int render(FunctionSnapshot f, int where, int cap, int verbosity, Out out) {
        int type = (cap >> 4) & 0xF;
        boolean slot = false;
        boolean link = true;
        out.print("Express ");
        if (verbosity >= 2) {
            out.printf("(v%d) ", cap & 0xF);
        }
        switch (type) {
            case TYPE_ENDPOINT: out.print("Endpoint"); break;
            case TYPE_LEG_END: out.print("Legacy Endpoint"); break;
            case TYPE_ROOT_PORT:
                slot = (cap & PciConfig.EXP_FLAGS_SLOT) != 0;
                out.printf("Root Port (Slot%c)", flag(cap, PciConfig.EXP_FLAGS_SLOT));
                break;
            case TYPE_UPSTREAM: out.print("Upstream Port"); break;
            case TYPE_DOWNSTREAM:
                slot = (cap & PciConfig.EXP_FLAGS_SLOT) != 0;
                out.printf("Downstream Port (Slot%c)", flag(cap, PciConfig.EXP_FLAGS_SLOT));
                break;
            case TYPE_PCI_BRIDGE: out.print("PCI-Express to PCI/PCI-X Bridge"); break;
            case TYPE_PCIE_BRIDGE:
                slot = (cap & PciConfig.EXP_FLAGS_SLOT) != 0;
                out.printf("PCI/PCI-X to PCI-Express Bridge (Slot%c)", flag(cap, PciConfig.EXP_FLAGS_SLOT));
                break;
            case TYPE_ROOT_INT_EP:
                link = false;
                out.print("Root Complex Integrated Endpoint");
                break;
            case TYPE_ROOT_EC:
                link = false;
                out.print("Root Complex Event Collector");
                break;
            default: out.printf("Unknown type %d", type);
        }
        out.printf(", MSI %02x\n", (cap & 0x3E00) >> 9);
        if (verbosity < 2) {
            return type;
        }
        device(f, where, type, out);
        if (link) {
            link(f, where, type, out);
        }
        if (slot) {
            slot(f, where, out);
        }
        if (type == TYPE_ROOT_PORT) {
            root(f, where, out);
        }
        if ((cap & 0xF) >= 2) {
            device2(f, where, type, out);
            if (link) {
                link2(f, where, type, out);
            }
        }
        return type;
    }

    private static boolean endpoint(int type) {
        return type == TYPE_ENDPOINT || type == TYPE_LEG_END;
    }

    private static String powerLimit(long value, long scale) {
        double[] scales = {1.0, 0.1, 0.01, 0.001};
        return String.format(Locale.ROOT, "%.3fW", value * scales[(int) scale]);
    }

    private static final String[] L0S = {"<64ns", "<128ns", "<256ns", "<512ns", "<1us", "<2us", "<4us", "unlimited"};
    private static final String[] L1 = {"<1us", "<2us", "<4us", "<8us", "<16us", "<32us", "<64us", "unlimited"};

    private static void device(FunctionSnapshot f, int where, int type, Out out) {
        long t = f.u32(where + PciConfig.EXP_DEVCAP);
        out.printf("\t\tDevCap:\tMaxPayload %d bytes, PhantFunc %d", 128 << (t & 0x7), (1 << ((t & 0x18) >> 3)) - 1);
        if (endpoint(type)) {
            out.printf(", Latency L0s %s, L1 %s", L0S[(int) (t & 0x1C0) >> 6], L1[(int) (t & 0xE00) >> 9]);
        }
        out.print("\n").printf("\t\t\tExtTag%c", flag(t, 0x20));
        if (endpoint(type) || type == TYPE_UPSTREAM || type == TYPE_PCI_BRIDGE) {
            out.printf(" AttnBtn%c AttnInd%c PwrInd%c", flag(t, 0x1000), flag(t, 0x2000), flag(t, 0x4000));
        }
        out.printf(" RBE%c", flag(t, 0x8000));
        if (endpoint(type)) {
            out.printf(" FLReset%c", flag(t, PciConfig.EXP_DEVCAP_FLR));
        }
        if (type == TYPE_ENDPOINT || type == TYPE_UPSTREAM || type == TYPE_PCI_BRIDGE) {
            out.print(" SlotPowerLimit ").print(powerLimit((t & 0x3FC0000) >> 18, (t & 0xC000000) >> 26));
        }
        out.print("\n");

        int w = f.u16(where + PciConfig.EXP_DEVCTL);
        out.printf("\t\tDevCtl:\tCorrErr%c NonFatalErr%c FatalErr%c UnsupReq%c\n",
                flag(w, 0x1), flag(w, 0x2), flag(w, 0x4), flag(w, 0x8));
        out.printf("\t\t\tRlxdOrd%c ExtTag%c PhantFunc%c AuxPwr%c NoSnoop%c",
                flag(w, 0x10), flag(w, 0x100), flag(w, 0x200), flag(w, 0x400), flag(w, 0x800));
        if (type == TYPE_PCI_BRIDGE) {
            out.printf(" BrConfRtry%c", flag(w, 0x8000));
        }
        if (endpoint(type) && (t & PciConfig.EXP_DEVCAP_FLR) != 0) {
            out.printf(" FLReset%c", flag(w, PciConfig.EXP_DEVCTL_BCR_FLR));
        }
        out.printf("\n\t\t\tMaxPayload %d bytes, MaxReadReq %d bytes\n", 128 << ((w & 0xE0) >> 5), 128 << ((w & 0x7000) >> 12));

        w = f.u16(where + EXP_DEVSTA);
        out.printf("\t\tDevSta:\tCorrErr%c NonFatalErr%c FatalErr%c UnsupReq%c AuxPwr%c TransPend%c\n",
                flag(w, 0x1), flag(w, 0x2), flag(w, 0x4), flag(w, 0x8), flag(w, 0x10), flag(w, 0x20));
    }

    private static String linkSpeed(long speed) {
        switch ((int) speed) {
            case 1: return "2.5GT/s";
            case 2: return "5GT/s";
            case 3: return "8GT/s";
            case 4: return "16GT/s";
            default: return "unknown";
        }
    }

    private static String compare(long sta, long cap) {
        return sta < cap ? "downgraded" : sta > cap ? "strange" : "ok";
    }

    private static void link(FunctionSnapshot f, int where, int type, Out out) {
        long t = f.u32(where + PciConfig.EXP_LNKCAP);
        int aspm = (int) (t & 0xC00) >> 10;
        long capSpeed = t & 0xF;
        long capWidth = (t & 0x3F0) >> 4;
        String[] support = {"not supported", "L0s", "L1", "L0s L1"};
        out.printf("\t\tLnkCap:\tPort #%d, Speed %s, Width x%d, ASPM %s", t >>> 24, linkSpeed(capSpeed), capWidth, support[aspm]);
        if (aspm != 0) {
            out.print(", Exit Latency ");
            if ((aspm & 1) != 0) {
                out.printf("L0s %s", L0S[(int) (t & 0x7000) >> 12]);
            }
            if ((aspm & 2) != 0) {
                out.printf("%sL1 %s", (aspm & 1) != 0 ? ", " : "", L1[(int) (t & 0x38000) >> 15]);
            }
        }
        out.print("\n");
        out.printf("\t\t\tClockPM%c Surprise%c LLActRep%c BwNot%c ASPMOptComp%c\n",
                flag(t, 0x40000), flag(t, 0x80000), flag(t, 0x100000), flag(t, 0x200000), flag(t, 0x400000));

        int w = f.u16(where + PciConfig.EXP_LNKCTL);
        String[] enabled = {"Disabled", "L0s Enabled", "L1 Enabled", "L0s L1 Enabled"};
        out.printf("\t\tLnkCtl:\tASPM %s;", enabled[w & 3]);
        if (type == TYPE_ROOT_PORT || endpoint(type) || type == TYPE_PCI_BRIDGE) {
            out.printf(" RCB %d bytes", (w & 0x8) != 0 ? 128 : 64);
        }
        out.printf(" Disabled%c CommClk%c\n\t\t\tExtSynch%c ClockPM%c AutWidDis%c BWInt%c AutBWInt%c\n",
                flag(w, 0x10), flag(w, 0x40), flag(w, 0x80), flag(w, 0x100), flag(w, 0x200), flag(w, 0x400), flag(w, 0x800));

        w = f.u16(where + PciConfig.EXP_LNKSTA);
        long staSpeed = w & 0xF;
        long staWidth = (w & 0x3F0) >> 4;
        out.printf("\t\tLnkSta:\tSpeed %s (%s), Width x%d (%s)\n", linkSpeed(staSpeed), compare(staSpeed, capSpeed),
                staWidth, compare(staWidth, capWidth));
        out.printf("\t\t\tTrErr%c Train%c SlotClk%c DLActive%c BWMgmt%c ABWMgmt%c\n",
                flag(w, 0x400), flag(w, 0x800), flag(w, 0x1000), flag(w, 0x2000), flag(w, 0x4000), flag(w, 0x8000));
    }

    private static void slot(FunctionSnapshot f, int where, Out out) {
        long t = f.u32(where + PciConfig.EXP_SLTCAP);
        out.printf("\t\tSltCap:\tAttnBtn%c PwrCtrl%c MRL%c AttnInd%c PwrInd%c HotPlug%c Surprise%c\n",
                flag(t, 0x1), flag(t, 0x2), flag(t, 0x4), flag(t, 0x8), flag(t, 0x10), flag(t, 0x40), flag(t, 0x20));
        out.printf("\t\t\tSlot #%d, PowerLimit %s; Interlock%c NoCompl%c\n", (t & 0xFFF80000L) >>> 19,
                powerLimit((t & 0x7F80) >> 7, (t & 0x18000) >> 15), flag(t, 0x20000), flag(t, 0x40000));

        int w = f.u16(where + PciConfig.EXP_SLTCTL);
        String[] indicator = {"Unknown", "On", "Blink", "Off"};
        out.printf("\t\tSltCtl:\tEnable: AttnBtn%c PwrFlt%c MRL%c PresDet%c CmdCplt%c HPIrq%c LinkChg%c\n",
                flag(w, 0x1), flag(w, 0x2), flag(w, 0x4), flag(w, 0x8), flag(w, 0x10), flag(w, 0x20), flag(w, 0x1000));
        out.printf("\t\t\tControl: AttnInd %s, PwrInd %s, Power%c Interlock%c\n",
                indicator[(w & 0xC0) >> 6], indicator[(w & 0x300) >> 8], flag(w, 0x400), flag(w, 0x800));

        w = f.u16(where + PciConfig.EXP_SLTSTA);
        out.printf("\t\tSltSta:\tStatus: AttnBtn%c PowerFlt%c MRL%c CmdCplt%c PresDet%c Interlock%c\n",
                flag(w, 0x1), flag(w, 0x2), flag(w, 0x20), flag(w, 0x10), flag(w, 0x40), flag(w, 0x80));
        out.printf("\t\t\tChanged: MRL%c PresDet%c LinkState%c\n", flag(w, 0x4), flag(w, 0x8), flag(w, 0x100));
    }

    private static void root(FunctionSnapshot f, int where, Out out) {
        int w = f.u16(where + EXP_RTCTL);
        out.printf("\t\tRootCtl: ErrCorrectable%c ErrNon-Fatal%c ErrFatal%c PMEIntEna%c CRSVisible%c\n",
                flag(w, 0x1), flag(w, 0x2), flag(w, 0x4), flag(w, 0x8), flag(w, 0x10));
        out.printf("\t\tRootCap: CRSVisible%c\n", flag(f.u16(where + EXP_RTCAP), 0x1));
        long s = f.u32(where + EXP_RTSTA);
        out.printf("\t\tRootSta: PME ReqID %04x, PMEStatus%c PMEPending%c\n", s & 0xFFFF, flag(s, 0x10000), flag(s, 0x20000));
    }

    private static String timeoutRange(int v) {
        switch (v) {
            case 0: return "Not Supported";
            case 1: return "Range A";
            case 2: return "Range B";
            case 3: return "Range AB";
            case 6: return "Range BC";
            case 7: return "Range ABC";
            case 14: return "Range BCD";
            case 15: return "Range ABCD";
            default: return "Unknown";
        }
    }

    private static String timeoutValue(int v) {
        switch (v) {
            case 0: return "50us to 50ms";
            case 1: return "50us to 100us";
            case 2: return "1ms to 10ms";
            case 5: return "16ms to 55ms";
            case 6: return "65ms to 210ms";
            case 9: return "260ms to 900ms";
            case 10: return "1s to 3.5s";
            case 13: return "4s to 13s";
            case 14: return "17s to 64s";
            default: return "Unknown";
        }
    }

    private static boolean port(int type) {
        return type == TYPE_ROOT_PORT || type == TYPE_UPSTREAM || type == TYPE_DOWNSTREAM;
    }

    /** pciutils device_has_memory_space_bar: a memory BAR the OS reports with an address or flags and a size. */
    private static boolean hasMemoryBar(FunctionSnapshot f) {
        for (int i = 0; i < 6; i++) {
            FunctionSnapshot.Resource r = f.resource(i);
            if (r != null && r.baseAddr() != 0 && r.size() != 0 && (r.baseAddr() & PciConfig.BAR_SPACE_IO) == 0) {
                return true;
            }
        }
        return false;
    }

    private static void device2(FunctionSnapshot f, int where, int type, Out out) {
        long l = f.u32(where + PciConfig.EXP_DEVCAP2);
        boolean memBar = hasMemoryBar(f);
        String[] capObff = {"Not Supported", "Via message", "Via WAKE#", "Via message/WAKE#"};
        boolean ari = type == TYPE_ROOT_PORT || type == TYPE_DOWNSTREAM;
        out.printf("\t\tDevCap2: Completion Timeout: %s, TimeoutDis%c, LTR%c, OBFF %s", timeoutRange((int) (l & 0xF)),
                flag(l, 0x10), flag(l, 0x800), capObff[(int) (l >> 18) & 3]);
        out.print(ari ? String.format(Locale.ROOT, " ARIFwd%c\n", flag(l, 0x20)) : "\n");
        if (port(type) || memBar) {
            out.print("\t\t\t AtomicOpsCap:");
            if (port(type)) {
                out.printf(" Routing%c", flag(l, 0x40));
            }
            if (type == TYPE_ROOT_PORT || memBar) {
                out.printf(" 32bit%c 64bit%c 128bitCAS%c", flag(l, 0x80), flag(l, 0x100), flag(l, 0x200));
            }
            out.print("\n");
        }

        int w = f.u16(where + PciConfig.EXP_DEVCTL2);
        String[] ctlObff = {"Disabled", "Via message A", "Via message B", "Via WAKE#"};
        out.printf("\t\tDevCtl2: Completion Timeout: %s, TimeoutDis%c, LTR%c, OBFF %s", timeoutValue(w & 0xF),
                flag(w, 0x10), flag(w, 0x400), ctlObff[(w >> 13) & 3]);
        out.print(ari ? String.format(Locale.ROOT, " ARIFwd%c\n", flag(w, 0x20)) : "\n");
        boolean requester = type == TYPE_ROOT_PORT || endpoint(type) || type == TYPE_ROOT_INT_EP;
        if (port(type) || requester) {
            out.print("\t\t\t AtomicOpsCtl:");
            if (requester) {
                out.printf(" ReqEn%c", flag(w, 0x40));
            }
            if (port(type)) {
                out.printf(" EgressBlck%c", flag(w, 0x80));
            }
            out.print("\n");
        }
    }

    private static String link2Speed(int v) {
        return v == 0 ? "2.5GT/s" : v <= 4 ? linkSpeed(v) : "Unknown";
    }

    private static String deemphasis(int v) {
        return v == 0 ? "-6dB" : v == 1 ? "-3.5dB" : "Unknown";
    }

    private static String transmitMargin(int v) {
        return v == 0 ? "Normal Operating Range" : v == 1 ? "800-1200mV(full-swing)/400-700mV(half-swing)"
                : v <= 5 ? "200-400mV(full-swing)/100-200mV(half-swing)" : "Unknown";
    }

    private static void link2(FunctionSnapshot f, int where, int type, Out out) {
        if (!(endpoint(type) && (f.device() != 0 || f.function() != 0))) {
            int w = f.u16(where + PciConfig.EXP_LNKCTL2);
            out.printf("\t\tLnkCtl2: Target Link Speed: %s, EnterCompliance%c SpeedDis%c", link2Speed(w & 0xF),
                    flag(w, 0x10), flag(w, 0x20));
            if (type == TYPE_DOWNSTREAM) {
                out.printf(", Selectable De-emphasis: %s", deemphasis((w >> 6) & 1));
            }
            out.printf("\n\t\t\t Transmit Margin: %s, EnterModifiedCompliance%c ComplianceSOS%c\n",
                    transmitMargin((w >> 7) & 7), flag(w, 0x400), flag(w, 0x800));
            out.printf("\t\t\t Compliance De-emphasis: %s\n", deemphasis((w >> 12) & 0xF));
        }
        int s = f.u16(where + EXP_LNKSTA2);
        out.printf("\t\tLnkSta2: Current De-emphasis Level: %s, EqualizationComplete%c, EqualizationPhase1%c\n",
                deemphasis(s & 1), flag(s, 0x2), flag(s, 0x4));
        out.printf("\t\t\t EqualizationPhase2%c, EqualizationPhase3%c, LinkEqualizationRequest%c\n",
                flag(s, 0x8), flag(s, 0x10), flag(s, 0x20));
    }
}
