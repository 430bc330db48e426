package dev.vplat.platform.trace;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TraceTest {
    @Test
    void onlyEnabledCategoriesAreRecorded() {
        Trace trace = new Trace();
        trace.enable(EnumSet.of(TraceCategory.MMIO));

        trace.log(TraceCategory.MMIO, "dmar0", "write GCMD.TE=1");
        trace.log(TraceCategory.DMA, "edu", "read 4 bytes");

        assertEquals(List.of("0 mmio dmar0: write GCMD.TE=1"), trace.tail());
        assertFalse(trace.on(TraceCategory.DMA));
    }

    @Test
    void disablingStopsRecording() {
        Trace trace = new Trace();
        trace.enable(EnumSet.allOf(TraceCategory.class));
        trace.disable(EnumSet.of(TraceCategory.IRQ));

        assertFalse(trace.on(TraceCategory.IRQ));
        assertTrue(trace.on(TraceCategory.PCI));
    }

    @Test
    void tailKeepsOnlyTheNewestLinesAndSinksSeeEveryLine() {
        Trace trace = new Trace(2);
        List<String> sink = new ArrayList<>();
        trace.addSink(sink::add);
        trace.enable(EnumSet.of(TraceCategory.PCI));

        for (int i = 0; i < 3; i++) {
            trace.line(TraceCategory.PCI, "bus0", "line " + i);
        }

        assertEquals(List.of("0 pci bus0: line 1", "0 pci bus0: line 2"), trace.tail());
        assertEquals(3, sink.size());
    }

    @Test
    void categoryListParsesNamesAndAllAndNamesTheUnknownOne() {
        assertEquals(EnumSet.of(TraceCategory.MMIO, TraceCategory.DMA), TraceCategory.parseList("mmio, dma"));
        assertEquals(EnumSet.allOf(TraceCategory.class), TraceCategory.parseList("all"));
        assertTrue(TraceCategory.parseList("").isEmpty());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TraceCategory.parseList("mmio,dmaa"));
        assertTrue(e.getMessage().startsWith("unknown trace category 'dmaa'"), e.getMessage());
    }
}
