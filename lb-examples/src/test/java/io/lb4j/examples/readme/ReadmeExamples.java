package io.lb4j.examples.readme;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.Protocol;
import io.lb4j.api.VirtualService;
import io.lb4j.api.check.CompositeProbe;
import io.lb4j.api.check.ConnectProbe;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.DicomFindProbe;
import io.lb4j.api.check.DicomTls;
import io.lb4j.api.check.Hl7Probe;
import io.lb4j.api.check.HttpProbe;
import io.lb4j.api.event.FailedOver;
import io.lb4j.appliance.StatusText;
import io.lb4j.engine.packet.PacketEngine;
import io.lb4j.ha.HaPair;
import io.lb4j.ha.flowsync.FlowSync;
import io.lb4j.ha.vip.PacketEngineVipOwner;
import io.lb4j.ha.vrrp.VrrpInstance;
import io.lb4j.testkit.LbTestKit;
import org.slf4j.Logger;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every {@code ```java} example of the root {@code README.md}, as code: each region between {@code // README:begin}
 * and {@code // README:end} is, whitespace aside, the README's block of the same rank, which {@link ReadmeExamplesTest}
 * checks before running it. Edit an example here and copy it to the README (or the other way round); the test says
 * which block differs. What a region needs from around it ({@code pacs}, {@code log}, {@code secret}) comes in as a
 * parameter named as the README names it.
 *
 * <p>The examples that run the packet engine and VRRP on {@code eth0} run in a child JVM ({@link #main}) inside a
 * network namespace of their own, which the test makes with its own {@code eth0}: they need root and must never
 * touch the host's own interface.
 */
final class ReadmeExamples {

    private ReadmeExamples() {
    }

    /** README, "As Java": the appliance guide's MergePACS service. */
    static VirtualService pacs() {
        // README:begin
        VirtualService pacs = VirtualService.directRouting()    // the guide's Layer 4 DR
            .label("PACS")
            .address("192.168.100.100")
            .ports(104, 80, 8080, 443, 8443, 5222, 1001)        // DICOM, HTTP/HTTPS, instant messaging, HL7
            .protocol(Protocol.TCP)
            .real("PrimaryCluster", "192.168.100.110", r -> r.weight(100))
            .fallback("192.168.100.120", f -> f.port(0).masquerade(true))   // port 0 = the port the client used
            .healthCheck(HealthCheck.connect().allPorts()
                .interval(Duration.ofSeconds(30)).failAfter(10).riseAfter(1))
            .build();                                            // manual failover: .healthCheck(HealthCheck.none())
        // README:end
        return pacs;
    }

    /** README, "As Java": the balancer for {@link #pacs()}, started, with the operator's commands. */
    static LoadBalancer balancer(VirtualService pacs, Logger log) {
        // README:begin
        LoadBalancer lb = LoadBalancer.builder()
            .engine(PacketEngine.on("eth0"))                     // DR and the NAT fallback: Linux, CAP_NET_RAW
            .service(pacs)                                       // ProxyEngine.create() forwards proxy() services
            .build();                                            // and refuses this one, naming both
        lb.start();

        lb.halt("PACS", "PrimaryCluster");      // manual failover: new connections go to the secondary at once
        lb.online("PACS", "PrimaryCluster");    // and back
        lb.status();                            // immutable snapshot: services, real servers, states, connections
        lb.events().subscribe(e -> log.info("{}", e));   // RealServerDown, FailedOver, FailedBack, Halted, ...
        // README:end
        return lb;
    }

    /** README, "Prove your failover policy in a unit test": the guide's five minutes in virtual time. */
    static void failoverInVirtualTime(VirtualService pacs) {
        // README:begin
        LbTestKit kit = LbTestKit.create();                      // virtual clock at t = 0, simulated engine
        LoadBalancer lb = kit.start(pacs);                       // first checks run at t = 0 and pass
        kit.server("192.168.100.110").fail();                    // the primary cluster stops answering

        kit.advance(Duration.ofMinutes(4));
        assertThat(kit.connect(104)).isEqualTo(new InetSocketAddress("192.168.100.110", 104));   // still primary

        kit.advance(Duration.ofSeconds(65));                     // t = 5 min 5 s
        assertThat(kit.connect(104)).isEqualTo(new InetSocketAddress("192.168.100.120", 104));   // the secondary
        assertThat(kit.events(FailedOver.class).get(0).at()).isEqualTo(Instant.EPOCH.plusSeconds(305));
        // README:end
        lb.stop(Duration.ZERO);
        kit.close();
    }

    /** README, "Health checks that know PACS": each port in its own protocol. */
    static HealthCheck pacsCheck() {
        // README:begin
        HealthCheck pacsCheck = HealthCheck.allOf(CompositeProbe
                .on(DicomEchoProbe.of("LB4J", "MERGEPACS"), 104)            // DICOM C-ECHO
                .and(HttpProbe.get("/"), 80, 8080)                          // HTTP
                .and(HttpProbe.get("/").tls(true).insecure(true), 443, 8443)   // HTTPS, self-signed appliance certs
                .and(Hl7Probe.defaults(), 1001)                             // HL7 over MLLP
                .otherPorts(ConnectProbe.INSTANCE))                         // 5222: TCP connect
            .interval(Duration.ofSeconds(30)).failAfter(10).riseAfter(1)
            .build();
        // README:end
        return pacsCheck;
    }

    /** README, "Health checks that know PACS": a C-FIND for a known study over DICOM TLS. */
    static HealthCheck queryCheck() {
        // README:begin
        HealthCheck queryCheck = HealthCheck.dicomFind(DicomFindProbe.of("LB4J", "MERGEPACS")
                .study("1.2.826.0.1.3680043.2.1125.1")                   // a study kept for the check: must be found
                .tls(DicomTls.trusting(Path.of("/etc/lb4j/pacs-ca.pem"))))   // DICOM TLS, the PACS's certificate verified
            .ports(2762).interval(Duration.ofSeconds(30)).failAfter(3)
            .build();
        // README:end
        return queryCheck;
    }

    /** README, "A clustered pair": one node of the pair on the packet engine, started. */
    static HaPair pairNode(VirtualService pacs, byte[] secret) {
        // README:begin
        PacketEngine engine = HaPair.packetEngine(PacketEngine.builder("eth0"));   // silent until master
        LoadBalancer lb = LoadBalancer.builder().engine(engine).service(pacs).build();
        VrrpInstance vrrp = VrrpInstance.builder().vrid(51).priority(150)      // 100 on the secondary
            .advertInterval(Duration.ofSeconds(1)).virtualAddress("192.168.100.100").networkInterface("eth0").build();
        HaPair node = HaPair.builder().loadBalancer(lb).vrrp(vrrp).vipOwner(PacketEngineVipOwner.of(engine)).build();
        node.start();
        FlowSync.builder(engine).listen(new InetSocketAddress("192.168.100.2", 7791))
            .peer(new InetSocketAddress("192.168.100.3", 7791)).secret(secret).build().start();
        // README:end
        return node;
    }

    /**
     * Runs the examples that need {@code eth0} (in the namespace {@link ReadmeExamplesTest} made), printing what
     * the test asserts: the balancer's events and status after the operator's commands, then the pair node's VRRP
     * state once it is master (alone on its link, it takes over after Master_Down_Interval, about 3.6 s).
     */
    public static void main(String[] args) throws InterruptedException {
        Logger log = org.slf4j.LoggerFactory.getLogger("readme");
        VirtualService pacs = pacs();
        LoadBalancer lb = balancer(pacs, log);
        lb.events().history().forEach(e -> System.out.println(StatusText.describe(e)));
        System.out.print(StatusText.table(lb.status()));
        lb.stop(Duration.ZERO);

        HaPair node = pairNode(pacs, "0123456789abcdef".getBytes(StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!node.isMaster() && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(20);
        }
        System.out.println("pair node: " + node.state());
        node.close();
        System.exit(0); // flow sync's threads keep retrying the absent peer
    }
}
