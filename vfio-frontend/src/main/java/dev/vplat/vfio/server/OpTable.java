package dev.vplat.vfio.server;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Every op the server executes, by code; one immutable table built once per server. */
public final class OpTable {
    private final Map<Integer, OpSpec<?>> specs = new HashMap<>();

    public OpTable(SessionManager sessions) {
        add(new SessionOps(sessions).specs());
        add(new MachineOps(sessions).specs());
        add(new ProcessOps(sessions).specs());
    }

    private void add(List<OpSpec<?>> list) {
        for (OpSpec<?> s : list) {
            if (specs.put(s.op().code(), s) != null) {
                throw new IllegalStateException(s.op() + " defined twice");
            }
        }
    }

    /** The row for {@code code}, or null (ENOSYS). */
    public OpSpec<?> spec(int code) {
        return specs.get(code);
    }
}
