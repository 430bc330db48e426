package dev.vplat.platform.bench;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Checks that each benchmark does the work it claims, by result, never by time. */
class PlatformBenchTest {
    @Test
    void mmioWorkloadReadsBackTheQueueTailItWritesThroughTheRegisterMask() {
        // Writes i << 4 for i = 0, 2, 4, 6; IQT keeps bits 18:4, so each read returns what was written.
        assertEquals((0 + 2 + 4 + 6) << 4, PlatformBench.mmioWorkload().run(8));
    }

    @Test
    void ramCopyWorkloadSeesTheSameBytesAsTheArraycopyBaseline() {
        int bytes = 3 * 4096 + 5;
        long iterations = 2 * bytes + 11;

        assertEquals(PlatformBench.arraycopyWorkload(bytes).run(iterations),
                PlatformBench.ramCopyWorkload(bytes).run(iterations));
    }

    @Test
    void arraycopyWorkloadSumsThePatternByteByByte() {
        byte[] p = PlatformBench.pattern(4);
        assertEquals(p[0] + p[1] + p[2] + p[3] + p[0], PlatformBench.arraycopyWorkload(4).run(5));
    }
}
