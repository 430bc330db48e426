package dev.vplat.guest.robust;

import dev.vplat.guest.client.Address;
import dev.vplat.guest.client.Role;
import dev.vplat.guest.client.SocketTransport;
import dev.vplat.guest.client.VplatClient;

import java.io.IOException;
import java.io.UncheckedIOException;

/** A client whose socket can be shut at any moment without BYE: a process that was killed. */
record Killable(VplatClient client, SocketTransport socket) {
    static Killable connect(String address, Role role, String name) {
        try {
            SocketTransport t = SocketTransport.connect(Address.parse(address));
            return new Killable(VplatClient.builder().transport(t).role(role).name(name).connect(), t);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void kill() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // already gone
        }
    }
}
