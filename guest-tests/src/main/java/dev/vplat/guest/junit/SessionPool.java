package dev.vplat.guest.junit;

import dev.vplat.guest.client.EmbeddedVplat;
import dev.vplat.guest.client.MachineInfo;
import dev.vplat.guest.client.Role;
import dev.vplat.guest.client.SessionScope;
import dev.vplat.guest.client.VplatClient;
import dev.vplat.guest.pci.GuestPci;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The sessions and machine changes one scope (a test method, or the class for
 * {@code @BeforeAll}/{@code @AfterAll}) made, one session per role and name. Closing it undoes
 * them as {@link SessionScope} does: user sessions exit first (their VFIO fds close), then
 * drivers the scope rebound are restored through a guest session, then guest sessions exit.
 */
final class SessionPool implements AutoCloseable {
    private record Key(Role role, String name) {
    }

    private final EmbeddedVplat vplat;
    private final Map<Key, VplatClient> clients = new LinkedHashMap<>();
    private final SessionScope scope = new SessionScope();
    private GuestPci pci;

    /** Sessions open through {@code vplat}, which presents its server's token for guest sessions. */
    SessionPool(EmbeddedVplat vplat) {
        this.vplat = vplat;
    }

    VplatClient client(Role role, String name) {
        return clients.computeIfAbsent(new Key(role, name),
                k -> scope.add(vplat.connect(role, "junit-" + role.name().toLowerCase() + "-" + name)));
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
            String rebound = f.bdf();
            String original = f.driver();
            scope.afterUsersExit(() -> {
                guest().driverUnbind(rebound);
                if (original != null) {
                    guest().driverBind(rebound, original);
                }
            });
            f = guest.machineInfo().pci(bdf).orElseThrow();
        }
        if (f.vfio() == null) {
            throw new IllegalStateException(bdf + " is bound to vfio-pci but MACHINE_INFO lists no cdev for it");
        }
        return f.vfio();
    }

    @Override
    public void close() {
        clients.keySet().removeIf(k -> k.role() == Role.USER);
        pci = null;
        try {
            scope.close();
        } finally {
            clients.clear();
        }
    }
}
