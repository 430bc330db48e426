package dev.vplat.vfio.kernel;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** The /dev tree: each node opens a new file description for the calling process. */
public final class DeviceNodes {
    private final Map<String, Function<Process, OpenFile>> nodes = new TreeMap<>();

    public void register(String path, Function<Process, OpenFile> opener) {
        if (nodes.putIfAbsent(path, opener) != null) {
            throw new IllegalStateException(path + " already exists");
        }
    }

    public void unregister(String path) {
        nodes.remove(path);
    }

    public boolean exists(String path) {
        return nodes.containsKey(path);
    }

    public OpenFile open(Process process, String path) {
        Function<Process, OpenFile> opener = nodes.get(path);
        if (opener == null) {
            throw new ErrnoException(Errno.ENOENT, path + ": no such file or directory");
        }
        return opener.apply(process);
    }

    public java.util.Set<String> paths() {
        return java.util.Collections.unmodifiableSet(nodes.keySet());
    }
}
