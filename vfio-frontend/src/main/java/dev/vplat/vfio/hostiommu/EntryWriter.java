package dev.vplat.vfio.hostiommu;

import dev.vplat.platform.memory.GuestMemory;

import java.util.function.Function;

/**
 * Updates a 64-byte structure the SMMU may be reading — a stream table entry or a context
 * descriptor — the way Linux's arm_smmu_write_entry does, so that the unit never sees a torn
 * entry: qwords the current configuration does not use are written first; when the only qword
 * in use that changes is qword 0 (which holds V and Config) it is then written in one 64-bit
 * store (a hitless update); when other qwords in use change too, qword 0 is first cleared (V=0,
 * a breaking update), the rest written, and qword 0 written last. Every step the unit could
 * observe is followed by {@code sync} (CFGI_STE/CFGI_CD and CMD_SYNC).
 *
 * <p>Linux computes the used bits field by field and can also change a single non-zero qword
 * hitlessly; this writer decides per qword, which is the same or more conservative.
 */
final class EntryWriter {
    static final int QWORDS = 8;

    private final GuestMemory ram;
    private final Function<long[], Integer> usedQwords;

    /** @param usedQwords bit i set when qword i of an entry with these contents is in use by the unit */
    EntryWriter(GuestMemory ram, Function<long[], Integer> usedQwords) {
        this.ram = ram;
        this.usedQwords = usedQwords;
    }

    /** Makes the entry at {@code address} equal {@code target}; returns the number of syncs issued. */
    int write(long address, long[] target, Runnable sync) {
        long[] current = read(address);
        int differ = 0;
        for (int i = 0; i < QWORDS; i++) {
            if (current[i] != target[i]) {
                differ |= 1 << i;
            }
        }
        if (differ == 0) {
            return 0;
        }
        int syncs = 0;
        boolean breaking = (differ & usedQwords.apply(current) & ~1) != 0;
        if (breaking) {
            ram.writeRam(address, 8, 0);
            sync.run();
            syncs++;
        }
        if (writeQwords(address, target, differ & ~1)) {
            sync.run();
            syncs++;
        }
        if (breaking || (differ & 1) != 0) {
            ram.writeRam(address, 8, target[0]);
            sync.run();
            syncs++;
        }
        return syncs;
    }

    private boolean writeQwords(long address, long[] target, int mask) {
        for (int i = 1; i < QWORDS; i++) {
            if ((mask & 1 << i) != 0) {
                ram.writeRam(address + 8L * i, 8, target[i]);
            }
        }
        return mask != 0;
    }

    long[] read(long address) {
        long[] words = new long[QWORDS];
        for (int i = 0; i < QWORDS; i++) {
            words[i] = ram.readRam(address + 8L * i, 8);
        }
        return words;
    }
}
