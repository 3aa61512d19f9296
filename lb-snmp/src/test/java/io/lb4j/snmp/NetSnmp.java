package io.lb4j.snmp;

import io.lb4j.testsupport.process.ChildProcess;
import io.lb4j.testsupport.process.Command;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real net-snmp for a test: {@code snmpd} as AgentX master on a Unix socket in a temporary directory, answering
 * SNMPv2c (community {@value #COMMUNITY}) and SNMPv3 authPriv (user {@value #USER}, SHA/AES) on a free loopback
 * UDP port, sending its notifications to an {@code snmptrapd} on another; both child processes, both ended by
 * {@link #close()} (also when the test fails). The tools run with {@code LB4J-MIB} loaded from the module's
 * {@code src/main/mib}, plus the test's stand-ins for the three IETF base modules Debian does not ship (see
 * {@code src/test/resources/mibs/SNMPv2-SMI.txt}).
 */
final class NetSnmp implements AutoCloseable {

    static final String COMMUNITY = "lb4j-ro";
    static final String USER = "lb4jmon";
    static final String AUTH_PASSWORD = "lb4j-auth-secret";
    static final String PRIV_PASSWORD = "lb4j-priv-secret";
    static final Duration STARTUP = Duration.ofSeconds(20);

    static final List<String> PROGRAMS = List.of("snmpd", "snmptrapd", "snmpwalk", "snmpbulkwalk", "snmpget",
            "snmptranslate");

    private final Path dir;
    private final int agentPort;
    private final int trapPort;
    private final Path snmpdConf;
    private ChildProcess snmpd;
    private ChildProcess snmptrapd;

    NetSnmp(Path dir) throws IOException {
        this.dir = dir;
        this.agentPort = freeUdpPort();
        this.trapPort = freeUdpPort();
        Files.createDirectories(dir.resolve("agentx"));
        Files.createDirectories(dir.resolve("snmpd-state"));
        Files.createDirectories(dir.resolve("snmptrapd-state"));
        // Made here so that the tools do not announce making them in the output the tests compare.
        Files.createDirectories(dir.resolve("tools-state/cert_indexes"));
        snmpdConf = dir.resolve("snmpd.conf");
        // The lines the README's "SNMP" section shows, with test paths and ports.
        Files.writeString(snmpdConf, String.join("\n",
                "master agentx",
                "agentXSocket " + agentxSocket(),
                "agentaddress udp:127.0.0.1:" + agentPort,
                "rocommunity " + COMMUNITY + " 127.0.0.1",
                "createUser " + USER + " SHA \"" + AUTH_PASSWORD + "\" AES \"" + PRIV_PASSWORD + "\"",
                "rouser " + USER + " priv",
                "trap2sink 127.0.0.1:" + trapPort + " " + COMMUNITY,
                ""));
        Files.writeString(dir.resolve("snmptrapd.conf"), "authCommunity log " + COMMUNITY + "\n");
    }

    /** The Unix socket snmpd listens on for subagents. */
    Path agentxSocket() {
        return dir.resolve("agentx/master");
    }

    Path snmpdConf() {
        return snmpdConf;
    }

    void start() {
        startTrapReceiver();
        startSnmpd();
    }

    /** Starts snmpd and waits until it has written its start line. */
    void startSnmpd() {
        snmpd = ChildProcess.start("snmpd", List.of("env", "SNMP_PERSISTENT_DIR=" + dir.resolve("snmpd-state"),
                "MIBS=", "snmpd", "-f", "-Lo", "-C", "-c", snmpdConf.toString()));
        if (snmpd.await(0, l -> l.startsWith("NET-SNMP version"), STARTUP).isEmpty()) {
            throw new IllegalStateException("snmpd did not start within " + STARTUP + ":\n" + snmpd.text());
        }
    }

    void stopSnmpd() {
        snmpd.close();
    }

    /** snmptrapd logs each notification as one line: "TRAP " and its bindings, numeric OIDs, tab-separated. */
    private void startTrapReceiver() {
        snmptrapd = ChildProcess.start("snmptrapd", List.of("env",
                "SNMP_PERSISTENT_DIR=" + dir.resolve("snmptrapd-state"), "snmptrapd", "-f", "-Lo", "-C", "-c",
                dir.resolve("snmptrapd.conf").toString(), "-On", "-F", "TRAP %V\\t%v\\n", "-M", mibDirs(), "-m",
                "LB4J-MIB", "udp:127.0.0.1:" + trapPort));
        if (snmptrapd.await(0, l -> l.startsWith("NET-SNMP version"), STARTUP).isEmpty()) {
            throw new IllegalStateException("snmptrapd did not start within " + STARTUP + ":\n" + snmptrapd.text());
        }
    }

    /** The first "TRAP" line from {@code from} on that contains {@code oid}, within {@code timeout}. */
    String awaitTrap(String oid, Duration timeout) {
        return snmptrapd.await(0, l -> l.startsWith("TRAP") && l.contains(oid), timeout)
                .map(ChildProcess.Line::text)
                .orElseThrow(() -> new AssertionError("no trap " + oid + " within " + timeout
                        + "; snmptrapd wrote:\n" + snmptrapd.text()));
    }

    String snmpdOutput() {
        return snmpd.text();
    }

    /** {@code snmpwalk -v2c} of {@code oid}, names from LB4J-MIB. */
    String walkV2c(String oid) {
        return Command.run(tool("snmpwalk", List.of("-v2c", "-c", COMMUNITY), oid));
    }

    /** {@code snmpbulkwalk -v2c} of {@code oid}: GetBulk requests, where snmpwalk sends GetNext. */
    String bulkWalkV2c(String oid) {
        return Command.run(tool("snmpbulkwalk", List.of("-v2c", "-c", COMMUNITY, "-Cr7"), oid));
    }

    /** {@code snmpwalk -v3 -l authPriv} of {@code oid}. */
    String walkV3(String oid) {
        return Command.run(tool("snmpwalk", v3(), oid));
    }

    /** {@code snmpget -v2c} of one object instance. */
    Command.Result getV2c(String oid) {
        return Command.attempt(tool("snmpget", List.of("-v2c", "-c", COMMUNITY, "-t", "1", "-r", "0"), oid));
    }

    /** The command line a README shows, for {@code snmpwalk -v3 -l authPriv}. */
    static String v3WalkCommandLine(String target, String oid) {
        return "snmpwalk " + String.join(" ", v3()) + " -m +LB4J-MIB " + target + " " + oid;
    }

    private static List<String> v3() {
        return List.of("-v3", "-l", "authPriv", "-u", USER, "-a", "SHA", "-A", AUTH_PASSWORD, "-x", "AES", "-X",
                PRIV_PASSWORD);
    }

    private List<String> tool(String program, List<String> auth, String oid) {
        List<String> command = new ArrayList<>(List.of("env", "SNMP_PERSISTENT_DIR=" + dir.resolve("tools-state"),
                "SNMPCONFPATH=" + dir.resolve("tools-conf"), program));
        command.addAll(auth);
        command.addAll(List.of("-M", mibDirs(), "-m", "LB4J-MIB", "127.0.0.1:" + agentPort, oid));
        return command;
    }

    /** The module's MIB directory and the stand-ins for the IETF base modules. */
    static String mibDirs() {
        try {
            Path standIns = Path.of(NetSnmp.class.getResource("/mibs/SNMPv2-SMI.txt").toURI()).getParent();
            return standIns + ":" + Path.of("src/main/mib").toAbsolutePath();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static int freeUdpPort() {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static java.util.Optional<String> missingPrograms() {
        return Command.missing(PROGRAMS.toArray(String[]::new));
    }

    @Override
    public void close() {
        if (snmpd != null) {
            snmpd.close();
        }
        if (snmptrapd != null) {
            snmptrapd.close();
        }
    }
}
