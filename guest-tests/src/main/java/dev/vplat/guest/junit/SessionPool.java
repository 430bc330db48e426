package dev.vplat.guest.junit;

import dev.vplat.guest.client.EmbeddedVplat;
import dev.vplat.guest.client.MachineInfo;
import dev.vplat.guest.client.Role;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.pci.GuestPci;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The sessions and machine changes one scope (a test method, or the class for
 * {@code @BeforeAll}/{@code @AfterAll}) made. Closing it undoes them in the order that lets each
 * step succeed: user sessions exit first (their VFIO fds close), then drivers the scope rebound
 * are restored through a guest session, then guest sessions exit.
 */
final class SessionPool implements AutoCloseable {
    private record Key(Role role, String name) {
    }

    private record Rebind(String bdf, String originalDriver) {
    }

    private final EmbeddedVplat vplat;
    private final Map<Key, VplatClient> clients = new LinkedHashMap<>();
    private final List<Rebind> rebinds = new ArrayList<>();
    private GuestPci pci;

    /** Sessions open through {@code vplat}, which presents its server's token for guest sessions. */
    SessionPool(EmbeddedVplat vplat) {
        this.vplat = vplat;
    }

    VplatClient client(Role role, String name) {
        return clients.computeIfAbsent(new Key(role, name),
                k -> vplat.connect(role, "junit-" + role.name().toLowerCase() + "-" + name));
    }

    VplatClient guest() {
        return client(Role.GUEST, "default");
    }

    VplatClient user() {
        return client(Role.USER, "default");
    }

    /** The hierarchy enumerated and assigned once per scope, as firmware does at boot. */
    GuestPci pci() {
        if (pci == null) {
            pci = GuestPci.ecam(guest());
            pci.enumerate();
            pci.assignResources();
        }
        return pci;
    }

    /** Binds {@code bdf} to vfio-pci unless it is; its cdev path. */
    String bindVfio(String bdf) {
        VplatClient guest = guest();
        MachineInfo.PciFunction f = guest.machineInfo().pci(bdf)
                .orElseThrow(() -> new IllegalArgumentException("the machine has no PCI function " + bdf));
        if (!"vfio-pci".equals(f.driver())) {
            if (f.driver() != null) {
                guest.driverUnbind(f.bdf());
            }
            guest.driverBind(f.bdf(), "vfio-pci");
            rebinds.add(new Rebind(f.bdf(), f.driver()));
            f = guest.machineInfo().pci(bdf).orElseThrow();
        }
        if (f.vfio() == null) {
            throw new IllegalStateException(bdf + " is bound to vfio-pci but MACHINE_INFO lists no cdev for it");
        }
        return f.vfio();
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (Map.Entry<Key, VplatClient> e : List.copyOf(clients.entrySet())) {
            if (e.getKey().role() == Role.USER) {
                first = closeQuietly(e.getValue(), first);
                clients.remove(e.getKey());
            }
        }
        for (int i = rebinds.size() - 1; i >= 0; i--) {
            Rebind r = rebinds.get(i);
            try {
                guest().driverUnbind(r.bdf());
                if (r.originalDriver() != null) {
                    guest().driverBind(r.bdf(), r.originalDriver());
                }
            } catch (RuntimeException ex) {
                first = first == null ? ex : first;
            }
        }
        rebinds.clear();
        for (VplatClient c : clients.values()) {
            first = closeQuietly(c, first);
        }
        clients.clear();
        pci = null;
        if (first != null) {
            throw first;
        }
    }

    private static RuntimeException closeQuietly(VplatClient c, RuntimeException first) {
        try {
            c.close();
            return first;
        } catch (RuntimeException e) {
            return first == null ? e : first;
        }
    }
}
