package io.lb4j.engine.packet;

import io.lb4j.engine.packet.lab.LabBalancer;
import io.lb4j.engine.packet.lab.LabClient;
import io.lb4j.testsupport.dicom.DicomImage;
import io.lb4j.testsupport.dicom.Orthanc;
import io.lb4j.testsupport.net.TestServerMain;
import io.lb4j.testsupport.netns.NetnsLab;
import io.lb4j.testsupport.process.ChildProcess;
import io.lb4j.testsupport.process.Command;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * System test: the packet engine as the appliance guide deploys it, in network namespaces (root only). A client
 * talks to the VIP; the engine runs in a child JVM inside the balancer's namespace (an AF_PACKET socket belongs to
 * the namespace of the process that opens it); the primary answers by direct routing, the secondary through MASQ.
 * Hosts keep their default offloads (TSO, GSO, GRO), as a VM's NIC does, so the engine sees the super-frames real
 * hosts send; {@link PacketEngineNamespaceOffloadsOffTest} runs the same tests with them off, and
 * {@link PacketEngineNamespaceSoftwareSegmentationTest} with the engine segmenting super-frames itself.
 *
 * <p>Besides connections on every port, transfers as big as medical images (1 GiB, and 16 at once of random sizes),
 * checked by SHA-256 at both ends, and a real PACS: Debian's Orthanc as primary and as secondary, DCMTK's
 * {@code storescu} sending multi-megabyte images through the VIP, which must arrive byte-identical.
 * Needs the Debian packages {@code iproute2}, {@code ethtool} and {@code tcpdump}; {@code dcmtk} for the DICOM
 * steps, and {@code orthanc} and {@code curl} for the PACS step (each skipped, saying why, without them).
 *
 * <pre>
 *   client 10.213.0.10/24 ─┐
 *   balancer 10.213.0.2/24 ─┤ br0 (own namespace)
 *   primary 10.213.0.110/24 ┤   VIP 10.213.0.100/32 on lo, arp_ignore=1, arp_announce=2 (direct routing)
 *   secondary 10.213.0.120/32 ┘ host route to the balancer, default via it (replies pass it to be un-NATed)
 * </pre>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PacketEngineNamespaceTest {

    static final Duration ANSWER = Duration.ofSeconds(15);
    static final String VIP = "10.213.0.100";
    static final String BALANCER = "10.213.0.2";
    static final String PRIMARY = "10.213.0.110";
    static final String SECONDARY = "10.213.0.120";
    static final int[] PORTS = {80, 8080, 443, 1001};
    /** The servers' bulk-transfer port ({@code digest:2001} of {@link TestServerMain}). */
    static final int DIGEST = 2001;
    static final long GIB = 1L << 30;
    static final long MIB = 1L << 20;
    /** How long one big transfer (or a batch of them) may take; it takes seconds over veth. */
    static final Duration TRANSFER_LIMIT = Duration.ofSeconds(120);
    /** The client's answer comes by then even when the transfer is aborted at its limit. */
    static final Duration TRANSFER_ANSWER = TRANSFER_LIMIT.plusSeconds(30);
    /** How long storescu may take to send two images (34 MiB); it takes about a second. */
    static final Duration STORE_LIMIT = Duration.ofSeconds(60);
    /** The agents moving big transfers get the full JIT (C2 compiles SHA-256 with the CPU's SHA instructions). */
    static final List<String> FULL_JIT = List.of("-XX:TieredStopAtLevel=4", "-Xmx256m");

    NetnsLab lab;
    final List<ChildProcess> agents = new ArrayList<>();
    ChildProcess primaryServer;
    ChildProcess balancer;
    ChildProcess client;
    /** The PACS on the primary and the secondary, when Orthanc is installed. */
    Orthanc primaryPacs;
    Orthanc secondaryPacs;

    /** Whether the lab's hosts keep their default offloads (TSO, GSO, GRO). */
    boolean offloads() {
        return true;
    }

    /** Whether the engine asks the kernel for offload metadata; without it, it segments super-frames itself. */
    boolean offloadMetadata() {
        return true;
    }

    @BeforeAll
    void buildLab() {
        Optional<String> notRoot = NetnsLab.unavailable();
        Assumptions.assumeTrue(notRoot.isEmpty(), () -> "system test skipped: " + notRoot.orElseThrow());
        PacketEngine.ensureAvailability();
        assertThat(Command.missing("ethtool", "tcpdump")).as("the namespace system test's tools").isEmpty();
        lab = NetnsLab.builder(!offloads() ? "lb4jtoff" : offloadMetadata() ? "lb4jt" : "lb4jtsw")
                .host("client", "10.213.0.10/24")
                .host("balancer", BALANCER + "/24")
                .host("primary", PRIMARY + "/24", h -> h.vip(VIP))
                .host("secondary", SECONDARY + "/32", h -> h.route(BALANCER + "/32").route("default", BALANCER))
                .offloads(offloads())
                .build();

        primaryServer = server("primary");
        server("secondary");
        if (pacs()) {                                                   // a real PACS answers on 104
            primaryPacs = Orthanc.start(lab.host("primary"), "PRIMARY", lab.directory().resolve("primary"), ANSWER);
            secondaryPacs = Orthanc.start(lab.host("secondary"), "SECONDARY", lab.directory().resolve("secondary"),
                    ANSWER);
            agents.add(primaryPacs.process());
            agents.add(secondaryPacs.process());
        } else if (dcmtk()) {                                           // else DCMTK's storage SCP
            agents.add(lab.host("primary").start("storescp", "-dhl", "-aet", "PRIMARY", "104"));
            agents.add(lab.host("secondary").start("storescp", "-dhl", "-aet", "SECONDARY", "104"));
        }
        // Manual failover plus a fast connect check on 8080 (250 ms interval, down after 3 failures).
        List<String> args = new ArrayList<>(List.of("eth0", VIP, PRIMARY, SECONDARY, "8080", "104",
                Integer.toString(DIGEST)));
        for (int port : PORTS) {
            args.add(Integer.toString(port));
        }
        List<String> balancerJvm = new ArrayList<>(FULL_JIT);
        balancerJvm.add("-Dlb4j.lab.vnetHeaders=" + offloadMetadata());
        balancer = ready(lab.host("balancer").startJava(balancerJvm, LabBalancer.class, args.toArray(String[]::new)));
        client = ready(lab.host("client").startJava(FULL_JIT, LabClient.class));
    }

    private static boolean dcmtk() {
        return Command.missing("storescp", "echoscu").isEmpty();
    }

    /** Why the PACS step cannot run here, or empty. */
    private static Optional<String> pacsUnavailable() {
        return Orthanc.unavailable().or(() -> Command.missing("storescu", "echoscu"))
                .or(DicomImage::unavailable);
    }

    private static boolean pacs() {
        return pacsUnavailable().isEmpty();
    }

    /**
     * A real server on every port: HTTP on 80 and 8080, a greeting and an echo on the others, and bulk transfers
     * checked by SHA-256 on {@link #DIGEST}.
     */
    private ChildProcess server(String name) {
        List<String> args = new ArrayList<>(List.of(name, "digest:" + DIGEST));
        for (int port : PORTS) {
            args.add(port == 80 || port == 8080 ? "http:" + port : Integer.toString(port));
        }
        return ready(lab.host(name).startJava(FULL_JIT, TestServerMain.class, args.toArray(String[]::new)));
    }

    private ChildProcess ready(ChildProcess agent) {
        agents.add(agent);
        agent.next("READY"::equals, ANSWER);
        return agent;
    }

    @AfterAll
    void tearDown() {
        if (lab == null) {
            return;
        }
        try {
            lab.close();
        } finally {
            Path logs = Path.of("target", "lb4j-lab", getClass().getSimpleName());
            for (ChildProcess a : agents) { // kept for when it fails in CI
                try {
                    Files.createDirectories(logs);
                    Files.write(logs.resolve(a + ".log"), a.transcript());
                } catch (IOException e) {
                    System.err.println("lab log of " + a + ": " + e);
                }
            }
            agents.clear();
        }
    }

    /**
     * Connects through the VIP from the client namespace, HTTP on 80 and 8080 (a POST echoed back), a plain TCP echo
     * elsewhere, 200 kB each way; returns the name of the server that answered.
     */
    private String reach(int port) {
        String command = port == 80 || port == 8080 ? "http " : "connect ";
        String answer = client.ask(command + VIP + " " + port + " 200000", ANSWER);
        assertThat(answer).as("connection to VIP:%d (balancer transcript: %s)", port, balancer.transcript())
                .startsWith("OK ");
        assertThat(answer).endsWith(" " + port);
        return answer.split(" ")[1];
    }

    private void assertAllPortsReach(String server) {
        for (int port : PORTS) {
            assertThat(reach(port)).as("VIP:%d", port).isEqualTo(server);
        }
    }

    /**
     * Every test starts with the primary in service, whatever the one before left behind (a failed test may have
     * halted it or stopped its services).
     */
    @BeforeEach
    void primaryInService() {
        if (!primaryServer.isAlive()) {
            primaryServer = server("primary");
        }
        assertThat(balancer.ask("online", ANSWER)).isEqualTo("OK online");
        awaitStatus("onFallback=false primary=UP");
    }

    @Test
    @Order(1)
    void directRoutingReachesThePrimaryOnEveryPortAndItsRepliesBypassTheBalancer() {
        ChildProcess tcpdump = lab.host("balancer").tcpdump("tcp and host " + VIP);
        try {
            assertAllPortsReach("primary");                           // every port, 200 kB echoed each way
        } finally {
            tcpdump.close();
        }
        // tcpdump -nn lines read "TIME IP SRC.PORT > DST.PORT: ..."; sort them by direction.
        List<String> lines = packets(tcpdump);
        long toVip = lines.stream().filter(l -> destination(l).startsWith(VIP + ".")).count();
        long fromVip = lines.stream().filter(l -> source(l).startsWith(VIP + ".")).count();
        assertThat(toVip).as("client packets seen on the balancer").isGreaterThan(PORTS.length * 3L);
        assertThat(fromVip).as("server replies seen on the balancer (direct routing: none)").isZero();
        assertThat(balancer.ask("stats", ANSWER)).contains("forwardedNat=0", "repliesUnNatted=0");
    }

    private static List<String> packets(ChildProcess tcpdump) {
        return tcpdump.transcript().stream().filter(l -> l.contains(" IP ") && l.contains(" > ")).toList();
    }

    private static String source(String tcpdumpLine) {
        return tcpdumpLine.substring(tcpdumpLine.indexOf(" IP ") + 4, tcpdumpLine.indexOf(" > "));
    }

    private static String destination(String tcpdumpLine) {
        int from = tcpdumpLine.indexOf(" > ") + 3;
        return tcpdumpLine.substring(from, tcpdumpLine.indexOf(':', from));
    }

    /** Asks the balancer for its status until it contains {@code expected}, within {@link #ANSWER}. */
    private void awaitStatus(String expected) {
        long deadline = System.nanoTime() + ANSWER.toNanos();
        String status;
        while (!(status = balancer.ask("status", ANSWER)).contains(expected)) {
            assertThat(System.nanoTime() - deadline).as("status %s within %s (last: %s; balancer: %s)", expected,
                    ANSWER, status, balancer.transcript()).isNegative();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    /** Halts the primary: new connections go to the secondary through MASQ (until the next test's set-up). */
    private void halt() {
        assertThat(balancer.ask("halt", ANSWER)).isEqualTo("OK halted");
        awaitStatus("onFallback=true primary=HALTED");
    }

    @Test
    @Order(2)
    void dicomEchoWorksThroughTheVip() {
        Assumptions.assumeTrue(dcmtk(), "DCMTK not installed (apt-get install dcmtk): DICOM step skipped");
        assertThat(echoscu()).as("C-ECHO to the primary through the VIP").startsWith("exit 0");
    }

    /** Runs DCMTK's C-ECHO from the client through the VIP; returns "exit N: output". */
    private String echoscu() {
        Command.Result r = lab.host("client").attempt("echoscu", "-v", "-to", "5", "-aec", "ANY-SCP", VIP, "104");
        return "exit " + r.exitCode() + ": " + r.output().strip();
    }

    @Test
    @Order(3)
    void haltSendsNewConnectionsToTheSecondaryThroughMasqAndOnlineBringsThemBack() {
        assertThat(client.ask("hold " + VIP + " 443", ANSWER)).isEqualTo("OK primary 443");
        awaitStatus("primary=UP connections=1");                      // the held flow; the closed ones do not count

        assertThat(balancer.ask("halt", ANSWER)).isEqualTo("OK halted");
        assertThat(balancer.ask("status", ANSWER)).as("Halt expired the held flow")
                .isEqualTo("OK onFallback=true primary=HALTED connections=0");
        assertAllPortsReach("secondary");                             // MASQ, same port (fallback port 0)
        assertThat(client.ask("send-held 1000", ANSWER)).as("the halted primary's flow was expired")
                .startsWith("FAIL");
        if (dcmtk()) {
            assertThat(echoscu()).as("C-ECHO to the secondary through the VIP").startsWith("exit 0");
        }
        String stats = balancer.ask("stats", ANSWER);
        assertThat(stats).doesNotContain("forwardedNat=0,").doesNotContain("repliesUnNatted=0,");

        assertThat(balancer.ask("online", ANSWER)).isEqualTo("OK online");
        assertAllPortsReach("primary");
    }

    @Test
    @Order(4)
    void stoppingThePrimarysServicesFailsOverAutomaticallyAndBack() {
        primaryServer.close();                                         // the primary's services stop
        awaitStatus("onFallback=true primary=DOWN");                   // 3 failed checks 250 ms apart
        assertAllPortsReach("secondary");

        primaryServer = server("primary");
        awaitStatus("onFallback=false primary=UP");                    // one good check, automatic fail-back
        assertAllPortsReach("primary");
    }

    /**
     * One bulk transfer through the VIP ({@code upload} or {@code download}), checked by SHA-256 at both ends; asserts
     * that {@code server} moved all {@code bytes} and returns the client's answer.
     */
    private String transfer(String direction, long bytes, long seed, String server) {
        String answer = client.ask(direction + " " + VIP + " " + DIGEST + " " + bytes + " " + seed + " "
                + TRANSFER_LIMIT.toSeconds(), TRANSFER_ANSWER);
        System.out.println(getClass().getSimpleName() + ": " + direction + " " + answer);
        assertThat(answer).as("%s of %d bytes through the VIP, byte-exact (SHA-256 at both ends); stats: %s",
                        direction, bytes, balancer.ask("stats", ANSWER))
                .matches("OK " + server + " " + DIGEST + " " + bytes + " [0-9a-f]{64} \\d+ms");
        return answer;
    }

    /** 16 transfers at once, uploads and downloads alternately, 1 to 64 MiB each (sizes from a fixed seed). */
    private void concurrentTransfers(long seed, String server) {
        String answer = client.ask("transfers " + VIP + " " + DIGEST + " 16 " + MIB + " " + 64 * MIB + " " + seed
                + " " + TRANSFER_LIMIT.toSeconds(), TRANSFER_ANSWER);
        System.out.println(getClass().getSimpleName() + ": transfers " + answer);
        assertThat(answer).as("16 transfers at once through the VIP, each byte-exact; stats: %s",
                        balancer.ask("stats", ANSWER))
                .matches("OK " + server + " 16 \\d+ \\d+ms");
    }

    @Test
    @Order(5)
    void aGibibyteUploadedByDirectRoutingArrivesIntactAndNoReplyPassesTheBalancer() {
        // Every packet from the VIP (a reply that came back through the balancer), and the client's SYN and FIN that
        // show the capture saw the connection: one line each, not one per segment of the gibibyte.
        ChildProcess tcpdump = lab.host("balancer").tcpdump("tcp and host " + VIP + " and (src host " + VIP
                + " or tcp[tcpflags] & (tcp-syn|tcp-fin) != 0)");
        String before = balancer.ask("stats", ANSWER);
        String bytesBefore = balancer.ask("bytes", ANSWER);
        try {
            transfer("upload", GIB, 1, "primary");
        } finally {
            tcpdump.close();
        }
        String after = balancer.ask("stats", ANSWER);
        String bytesAfter = balancer.ask("bytes", ANSWER);
        // Bytes per real server: the upload's IP bytes toward the primary (headers included, so more than the
        // gibibyte; a live flow keeps under 64 KiB uncounted), and none back: DR replies never pass the balancer.
        assertThat(stat(bytesAfter, "toServer") - stat(bytesBefore, "toServer")).as(bytesAfter)
                .isGreaterThanOrEqualTo(GIB);
        assertThat(stat(bytesAfter, "toClient")).as(bytesAfter).isEqualTo(stat(bytesBefore, "toClient"));
        List<String> lines = packets(tcpdump);
        assertThat(lines.stream().filter(l -> destination(l).equals(VIP + "." + DIGEST)))
                .as("the client's SYN and FIN seen on the balancer").hasSizeGreaterThanOrEqualTo(2);
        assertThat(lines.stream().filter(l -> source(l).startsWith(VIP + ".")))
                .as("the primary's replies seen on the balancer (direct routing: none)").isEmpty();
        assertThat(stat(after, "forwardedDirect") - stat(before, "forwardedDirect"))
                .as("frames forwarded by direct routing during the upload (64 KiB at most each)")
                .isGreaterThanOrEqualTo(GIB / (64 * 1024));
        assertThat(stat(after, "forwardedNat") + stat(after, "repliesUnNatted")).as("NAT during the upload")
                .isEqualTo(stat(before, "forwardedNat") + stat(before, "repliesUnNatted"));
        long superFrames = stat(after, "superFrames") - stat(before, "superFrames");
        long segmented = stat(after, "softwareSegmented") - stat(before, "softwareSegmented");
        if (!offloads()) {
            assertThat(superFrames + segmented).as("super-frames without offloads").isZero();
        } else if (offloadMetadata()) {
            assertThat(superFrames).as("the client's TSO super-frames, forwarded whole").isPositive();
            assertThat(segmented).isZero();
        } else {
            assertThat(segmented).as("the client's TSO super-frames, segmented by the engine").isPositive();
            assertThat(superFrames).isZero();
        }
    }

    /** The counter {@code name} of the balancer's answer to {@code stats}. */
    private static long stat(String stats, String name) {
        Matcher m = Pattern.compile("[\\[ ]" + name + "=(\\d+)").matcher(stats);
        assertThat(m.find()).as("%s in %s", name, stats).isTrue();
        return Long.parseLong(m.group(1));
    }

    @Test
    @Order(6)
    void aGibibyteDownloadedByDirectRoutingArrivesIntact() {
        transfer("download", GIB, 2, "primary");
    }

    @Test
    @Order(7)
    void sixteenConcurrentTransfersOfRandomSizesByDirectRoutingAllArriveIntact() {
        concurrentTransfers(3, "primary");
    }

    @Test
    @Order(8)
    void afterHaltAGibibyteTravelsThroughMasqToTheSecondaryIntactBothWays() {
        halt();                                                         // the next test's set-up brings it back
        String before = balancer.ask("stats", ANSWER);
        transfer("upload", GIB, 4, "secondary");
        transfer("download", GIB, 5, "secondary");
        String after = balancer.ask("stats", ANSWER);
        assertThat(stat(after, "forwardedNat") - stat(before, "forwardedNat")).as("frames NATed to the secondary")
                .isGreaterThanOrEqualTo(GIB / (64 * 1024));
        assertThat(stat(after, "repliesUnNatted") - stat(before, "repliesUnNatted"))
                .as("the secondary's replies un-NATed").isGreaterThanOrEqualTo(GIB / (64 * 1024));
    }

    @Test
    @Order(9)
    void afterHaltSixteenConcurrentTransfersThroughMasqAllArriveIntact() {
        halt();
        concurrentTransfers(6, "secondary");
    }

    @Test
    @Order(10)
    void imagesStoredThroughTheVipArriveByteIdenticalInThePrimaryPacsAndAfterHaltInTheSecondary() {
        Assumptions.assumeTrue(pacs(), () -> "PACS step skipped: " + pacsUnavailable().orElseThrow());
        List<DicomImage> toPrimary = images("dr", 10);
        storescu(toPrimary);                                            // direct routing to the primary's Orthanc
        for (DicomImage image : toPrimary) {
            assertStoredByteIdentical(primaryPacs, image);
            assertThat(secondaryPacs.instance(image.sopInstanceUid())).as("%s in the secondary PACS", image).isEmpty();
        }

        halt();
        List<DicomImage> toSecondary = images("masq", 20);
        storescu(toSecondary);                                          // MASQ to the secondary's Orthanc
        for (DicomImage image : toSecondary) {
            assertStoredByteIdentical(secondaryPacs, image);
            assertThat(primaryPacs.instance(image.sopInstanceUid())).as("%s in the primary PACS", image).isEmpty();
        }
    }

    /**
     * Two images as modalities send them: a 2048 x 2048 radiograph (8 MiB) and a 4096 x 3328 mammogram (26 MiB), 16
     * bits per pixel.
     */
    private List<DicomImage> images(String name, long seed) {
        return List.of(DicomImage.write(lab.directory().resolve(name + "-cr.dcm"), 2048, 2048, seed),
                DicomImage.write(lab.directory().resolve(name + "-mg.dcm"), 4096, 3328, seed + 1));
    }

    /**
     * Sends {@code images} with DCMTK's storescu from the client through the VIP, in one association, within
     * {@link #STORE_LIMIT}.
     */
    private void storescu(List<DicomImage> images) {
        List<String> command = new ArrayList<>(List.of("storescu", "-xe", "-to", "10", "-ta", "10", "-td", "30",
                "-aet", "MODALITY", "-aec", "PACS", VIP, "104"));
        images.forEach(i -> command.add(i.file().toString()));
        long start = System.nanoTime();
        Command.Result r;
        try {
            r = Command.attempt(lab.host("client").command(command), STORE_LIMIT);
        } catch (UncheckedIOException e) {
            throw new AssertionError("storescu of " + images.size() + " images through the VIP: " + e.getMessage()
                    + "; stats: " + balancer.ask("stats", ANSWER), e);
        }
        System.out.printf("%s: storescu of %d images: exit %d in %d ms%n", getClass().getSimpleName(), images.size(),
                r.exitCode(), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        assertThat(r.exitCode()).as("storescu through the VIP: %s; stats: %s", r.output().strip(),
                balancer.ask("stats", ANSWER)).isZero();
    }

    /**
     * Asserts that {@code pacs} stored {@code sent} byte for byte: its data set (what travelled in the C-STORE), and
     * the whole file as the PACS gives it back (Orthanc writes the File Meta Information itself; with Debian's
     * DCMTK it writes the same as dump2dcm did).
     */
    private void assertStoredByteIdentical(Orthanc pacs, DicomImage sent) {
        String id = pacs.instance(sent.sopInstanceUid()).orElseThrow(() -> new AssertionError(sent + " not stored in "
                + pacs + "; its output:\n" + pacs.process().text()));
        Path stored = pacs.download(id, lab.directory().resolve(pacs.aet() + "-" + sent.file().getFileName()));
        assertThat(DicomImage.dataSetSha256(stored)).as("SHA-256 of the data set %s stored of %s", pacs, sent)
                .isEqualTo(DicomImage.dataSetSha256(sent.file()));
        assertThat(DicomImage.sha256(stored)).as("SHA-256 of the file %s gives back of %s", pacs, sent)
                .isEqualTo(DicomImage.sha256(sent.file()));
    }
}
