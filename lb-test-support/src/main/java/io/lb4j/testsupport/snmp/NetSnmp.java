package io.lb4j.testsupport.snmp;

import io.lb4j.testsupport.process.ChildProcess;
import io.lb4j.testsupport.process.Command;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A real net-snmp for a test: {@code snmpd} as AgentX master on a Unix socket in a temporary directory, answering
 * SNMPv2c (community {@value #COMMUNITY}) and SNMPv3 authPriv (user {@value #USER}, SHA/AES) on a free loopback
 * UDP port, sending its notifications to an {@code snmptrapd} on another; both child processes, both ended by
 * {@link #close()} (also when the test fails). The tools run with {@code LB4J-MIB} loaded from the directory given
 * (lb-snmp's {@code src/main/mib}), plus stand-ins for the three IETF base modules Debian does not ship (see
 * {@link #mibPath}).
 */
public final class NetSnmp implements AutoCloseable {

    /** The read-only SNMPv2c community. */
    public static final String COMMUNITY = "lb4j-ro";
    /** The SNMPv3 user, authPriv with SHA and AES. */
    public static final String USER = "lb4jmon";
    /** The SNMPv3 user's authentication password. */
    public static final String AUTH_PASSWORD = "lb4j-auth-secret";
    /** The SNMPv3 user's privacy password. */
    public static final String PRIV_PASSWORD = "lb4j-priv-secret";
    /** How long snmpd and snmptrapd may take to start. */
    public static final Duration STARTUP = Duration.ofSeconds(20);

    /** The net-snmp programs the tests run. */
    public static final List<String> PROGRAMS = List.of("snmpd", "snmptrapd", "snmpwalk", "snmpbulkwalk", "snmpget",
            "snmptranslate");

    private final Path dir;
    private final String mibPath;
    private final int agentPort;
    private final int trapPort;
    private final Path snmpdConf;
    private ChildProcess snmpd;
    private ChildProcess snmptrapd;

    /**
     * Writes the configurations into {@code dir} (a test's temporary directory) and picks the ports; starts nothing.
     *
     * @param lb4jMibDirectory the directory of {@code LB4J-MIB.txt}
     */
    public NetSnmp(Path dir, Path lb4jMibDirectory) throws IOException {
        this.dir = dir;
        this.mibPath = mibPath(dir, lb4jMibDirectory);
        this.agentPort = freeUdpPort();
        int trap;
        do {
            trap = freeUdpPort(); // two calls may return the same port once the first socket is closed
        } while (trap == agentPort);
        this.trapPort = trap;
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
    public Path agentxSocket() {
        return dir.resolve("agentx/master");
    }

    public Path snmpdConf() {
        return snmpdConf;
    }

    public void start() {
        startTrapReceiver();
        startSnmpd();
    }

    /** Starts snmpd and waits until it has written its start line. */
    public void startSnmpd() {
        snmpd = ChildProcess.start("snmpd", List.of("env", "SNMP_PERSISTENT_DIR=" + dir.resolve("snmpd-state"),
                "MIBS=", "snmpd", "-f", "-Lo", "-C", "-c", snmpdConf.toString()));
        if (snmpd.await(0, l -> l.startsWith("NET-SNMP version"), STARTUP).isEmpty()) {
            throw new IllegalStateException("snmpd did not start within " + STARTUP + ":\n" + snmpd.text());
        }
    }

    public void stopSnmpd() {
        snmpd.close();
    }

    /** snmptrapd logs each notification as one line: "TRAP " and its bindings, numeric OIDs, tab-separated. */
    private void startTrapReceiver() {
        snmptrapd = ChildProcess.start("snmptrapd", List.of("env",
                "SNMP_PERSISTENT_DIR=" + dir.resolve("snmptrapd-state"), "snmptrapd", "-f", "-Lo", "-C", "-c",
                dir.resolve("snmptrapd.conf").toString(), "-On", "-F", "TRAP %V\\t%v\\n", "-M", mibPath, "-m",
                "LB4J-MIB", "udp:127.0.0.1:" + trapPort));
        if (snmptrapd.await(0, l -> l.startsWith("NET-SNMP version"), STARTUP).isEmpty()) {
            throw new IllegalStateException("snmptrapd did not start within " + STARTUP + ":\n" + snmptrapd.text());
        }
    }

    /** The first "TRAP" line snmptrapd logged that contains {@code oid}, waiting up to {@code timeout}. */
    public String awaitTrap(String oid, Duration timeout) {
        return snmptrapd.await(0, l -> l.startsWith("TRAP") && l.contains(oid), timeout)
                .map(ChildProcess.Line::text)
                .orElseThrow(() -> new AssertionError("no trap " + oid + " within " + timeout
                        + "; snmptrapd wrote:\n" + snmptrapd.text()));
    }

    public String snmpdOutput() {
        return snmpd.text();
    }

    /** {@code snmpwalk -v2c} of {@code oid}, names from LB4J-MIB. */
    public String walkV2c(String oid) {
        return Command.run(tool("snmpwalk", List.of("-v2c", "-c", COMMUNITY), oid));
    }

    /** {@code snmpbulkwalk -v2c} of {@code oid}: GetBulk requests, where snmpwalk sends GetNext. */
    public String bulkWalkV2c(String oid) {
        return Command.run(tool("snmpbulkwalk", List.of("-v2c", "-c", COMMUNITY, "-Cr7"), oid));
    }

    /** {@code snmpwalk -v3 -l authPriv} of {@code oid}. */
    public String walkV3(String oid) {
        return Command.run(tool("snmpwalk", v3(), oid));
    }

    /** {@code snmpget -v2c} of one object instance. */
    public Command.Result getV2c(String oid) {
        return Command.attempt(tool("snmpget", List.of("-v2c", "-c", COMMUNITY, "-t", "1", "-r", "0"), oid));
    }

    /** The command line a README shows, for {@code snmpwalk -v3 -l authPriv}. */
    public static String v3WalkCommandLine(String target, String oid) {
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
        command.addAll(List.of("-M", mibPath, "-m", "LB4J-MIB", "127.0.0.1:" + agentPort, oid));
        return command;
    }

    /** The MIB path ({@code -M}) the tools run with: the stand-ins and LB4J-MIB's directory. */
    public String mibPath() {
        return mibPath;
    }

    /**
     * Copies the stand-ins for SNMPv2-SMI, SNMPv2-TC and SNMPv2-CONF into {@code dir/mibs} and returns the MIB path
     * ({@code -M}) of them and {@code lb4jMibDirectory}. The stand-ins are written for lb4j's tests, not the RFCs'
     * modules: Debian ships no IETF MIB modules (they are in non-free snmp-mibs-downloader), and LB4J-MIB imports a
     * few names from them.
     */
    public static String mibPath(Path dir, Path lb4jMibDirectory) throws IOException {
        Path mibs = Files.createDirectories(dir.resolve("mibs"));
        for (String module : List.of("SNMPv2-SMI", "SNMPv2-TC", "SNMPv2-CONF")) {
            try (InputStream in = NetSnmp.class.getResourceAsStream(module + ".txt")) {
                Files.copy(in, mibs.resolve(module + ".txt"), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return mibs + ":" + lb4jMibDirectory.toAbsolutePath();
    }

    public static int freeUdpPort() {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Empty when every program of {@link #PROGRAMS} is installed, else which is not and its package. */
    public static Optional<String> missingPrograms() {
        return Command.missing(PROGRAMS.toArray(String[]::new));
    }

    /** Ends snmpd and snmptrapd. */
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
