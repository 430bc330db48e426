package dev.vplat.vfio.kernel;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PageSlotsTest {
    private static final long BASE = 0x7f00_0000_0000L;

    @Test
    void addedKeysKeepTheirValueAndCountAcrossGrowth() {
        PageSlots t = new PageSlots();
        for (long i = 0; i < 5000; i++) {
            int slot = t.add(BASE + i * 4096);
            t.setValue(slot, i * 7);
            t.addCount(slot, (int) i);
        }
        assertEquals(5000, t.size());
        for (long i = 0; i < 5000; i++) {
            int slot = t.find(BASE + i * 4096);
            assertEquals(i * 7, t.value(slot));
            assertEquals((int) i, t.count(slot));
        }
        assertEquals(-1, t.find(BASE - 4096));
    }

    @Test
    void addOfAPresentKeyReturnsItsSlotUnchanged() {
        PageSlots t = new PageSlots();
        t.setValue(t.add(42), 9);
        assertEquals(9, t.value(t.add(42)));
        assertEquals(1, t.size());
    }

    @Test
    void removalLeavesEveryOtherKeyReachable() {
        PageSlots t = new PageSlots();
        Map<Long, Long> expected = new HashMap<>();
        // Keys 0..n and their page addresses collide in clusters; remove every third.
        for (long i = 0; i < 3000; i++) {
            long key = (i % 2 == 0) ? i : BASE + i * 4096;
            t.setValue(t.add(key), i);
            expected.put(key, i);
        }
        for (long i = 0; i < 3000; i += 3) {
            long key = (i % 2 == 0) ? i : BASE + i * 4096;
            t.remove(t.find(key));
            expected.remove(key);
        }
        assertEquals(expected.size(), t.size());
        for (Map.Entry<Long, Long> e : expected.entrySet()) {
            int slot = t.find(e.getKey());
            assertTrue(slot >= 0, "key 0x" + Long.toHexString(e.getKey()));
            assertEquals(e.getValue(), t.value(slot));
        }
        Map<Long, Long> visited = new HashMap<>();
        t.forEach((key, value, count) -> visited.put(key, value));
        assertEquals(expected, visited);
    }

    @Test
    void clearEmptiesTheTable() {
        PageSlots t = new PageSlots();
        t.add(1);
        t.add(2);
        t.clear();
        assertEquals(0, t.size());
        assertEquals(-1, t.find(1));
    }
}
