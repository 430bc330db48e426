package dev.vplat.guest.client;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/**
 * A server address in the protocol's syntax: {@code tcp:HOST:PORT} or {@code unix:PATH}
 * (PROTOCOL.md "Transports and modes"). The default is {@code tcp:127.0.0.1:7420}.
 */
public record Address(String spec, SocketAddress socketAddress) {
    public static final String DEFAULT = "tcp:127.0.0.1:7420";

    /** Parses {@code tcp:HOST:PORT} (IPv6 hosts in brackets) or {@code unix:PATH}. */
    public static Address parse(String spec) {
        if (spec.startsWith("unix:")) {
            String path = spec.substring("unix:".length());
            if (path.isEmpty()) {
                throw new IllegalArgumentException("empty UNIX socket path in " + spec);
            }
            return new Address(spec, UnixDomainSocketAddress.of(Path.of(path)));
        }
        if (spec.startsWith("tcp:")) {
            String hostPort = spec.substring("tcp:".length());
            int colon = hostPort.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("expected tcp:HOST:PORT, got " + spec);
            }
            String host = hostPort.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            int port;
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad port in " + spec, e);
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range in " + spec);
            }
            return new Address(spec, new InetSocketAddress(host, port));
        }
        throw new IllegalArgumentException("address must start with tcp: or unix:, got " + spec);
    }

    public static Address tcp(String host, int port) {
        return parse("tcp:" + host + ":" + port);
    }

    public static Address unix(Path path) {
        return parse("unix:" + path);
    }

    @Override
    public String toString() {
        return spec;
    }
}
