package io.lb4j.snmp;

import java.net.InetSocketAddress;
import java.net.ProtocolFamily;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/**
 * Where the master agent listens for subagents, in net-snmp's {@code agentXSocket} syntax: a Unix socket path
 * ({@code /var/agentx/master} or {@code unix:/var/agentx/master}) or {@code tcp:host:port}.
 */
record AgentxAddress(String text, ProtocolFamily family, SocketAddress address) {

    /** net-snmp's default {@code agentXSocket}. */
    static final String DEFAULT = "/var/agentx/master";

    private static final String EXPECTED = "(expected: a Unix socket path such as /var/agentx/master or"
            + " unix:/var/agentx/master, or tcp:host:port such as tcp:localhost:705)";

    static AgentxAddress parse(String text) {
        if (text.startsWith("/") || text.startsWith("unix:/")) {
            Path path = Path.of(text.startsWith("unix:") ? text.substring(5) : text);
            return new AgentxAddress(text, StandardProtocolFamily.UNIX, UnixDomainSocketAddress.of(path));
        }
        if (text.startsWith("tcp:")) {
            String hostPort = text.substring(4);
            int colon = hostPort.lastIndexOf(':');
            if (colon > 0) {
                String host = hostPort.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                int port = port(hostPort.substring(colon + 1), text);
                return new AgentxAddress(text, host.contains(":") ? StandardProtocolFamily.INET6
                        : StandardProtocolFamily.INET, InetSocketAddress.createUnresolved(host, port));
            }
        }
        throw new IllegalArgumentException("agentx: \"" + text + "\" " + EXPECTED);
    }

    private static int port(String digits, String text) {
        try {
            int port = Integer.parseInt(digits);
            if (port >= 1 && port <= 65535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // the message below says what is wrong
        }
        throw new IllegalArgumentException("agentx: \"" + text + "\" has port \"" + digits + "\" (expected: 1-65535)");
    }

    /** The address to connect to now: a host name is resolved at each attempt, as snmpd may move. */
    SocketAddress resolved() {
        return address instanceof InetSocketAddress inet && inet.isUnresolved()
                ? new InetSocketAddress(inet.getHostString(), inet.getPort()) : address;
    }

    @Override
    public String toString() {
        return text;
    }
}
