package dev.vplat.vfio.platform;

import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The contributors MACHINE_INFO is assembled from, by top-level key. */
public final class MachineInfoRegistry {
    private final Map<String, MachineInfoContributor> contributors = new LinkedHashMap<>();

    public void register(MachineInfoContributor contributor) {
        contributors.put(contributor.key(), contributor);
    }

    public MachineInfoContributor get(String key) {
        return contributors.get(key);
    }

    public Collection<MachineInfoContributor> all() {
        return Collections.unmodifiableCollection(contributors.values());
    }
}
