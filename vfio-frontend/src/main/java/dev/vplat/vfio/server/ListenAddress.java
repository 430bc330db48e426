package dev.vplat.vfio.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;

/**
 * A transport address, {@code tcp:HOST:PORT} (IPv6 hosts in brackets; port 0 = any free port) or
 * {@code unix:PATH}. UNIX sockets are local by nature and count as loopback.
 */
public record ListenAddress(String host, int port, Path path) {
    public static final String DEFAULT = "tcp:127.0.0.1:7420";

    public static ListenAddress parse(String text) {
        if (text.startsWith("unix:") && text.length() > 5) {
            return new ListenAddress(null, 0, Path.of(text.substring(5)));
        }
        if (text.startsWith("tcp:")) {
            String rest = text.substring(4);
            int colon = rest.lastIndexOf(':');
            if (colon > 0) {
                String host = rest.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                try {
                    int port = Integer.parseInt(rest.substring(colon + 1));
                    if (port >= 0 && port <= 65535 && !host.isEmpty()) {
                        return new ListenAddress(host, port, null);
                    }
                } catch (NumberFormatException e) {
                    // falls through to the usage message
                }
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not an address: use tcp:HOST:PORT (e.g. "
                + DEFAULT + ") or unix:PATH (e.g. unix:/tmp/vplat.sock)");
    }

    public boolean isUnix() {
        return path != null;
    }

    /** Loopback TCP or a UNIX socket: no token needed (PROTOCOL.md "Transports"). */
    public boolean isLocal() {
        if (isUnix()) {
            return true;
        }
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cannot resolve host '" + host + "': " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return isUnix() ? "unix:" + path : "tcp:" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
