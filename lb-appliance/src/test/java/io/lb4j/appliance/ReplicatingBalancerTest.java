package io.lb4j.appliance;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.appliance.config.HaConfig;
import io.lb4j.testkit.SimulatedEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the admin server of a pair node may do to the services: on the secondary a {@code PUT /api/config} is refused
 * with the reason (the primary's next push would overwrite it); reads go to the node's balancer. In-process, on the
 * simulated engine; the primary's path (through the publisher) runs in {@code ClusteredPairTest}'s pair.
 */
class ReplicatingBalancerTest {

    @TempDir
    Path dir;

    private static VirtualService service(String label, int port) {
        return VirtualService.proxy().label(label).address("127.0.0.1").ports(port).healthCheck(HealthCheck.none())
                .real("r", "127.0.0.2", r -> r.weight(100)).build();
    }

    @Test
    void theSecondaryRefusesAServiceChangeAndKeepsItsServices() throws Exception {
        Path secret = Files.writeString(dir.resolve("ha.secret"), "0123456789abcdef");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-------")); // a secret file is owner-only
        SimulatedEngine engine = new SimulatedEngine();
        LoadBalancer balancer = LoadBalancer.builder().engine(engine).service(service("PACS", 10104)).build();
        HaConfig ha = new HaConfig("eth0", 51, 100, Duration.ofSeconds(1), List.of("10.0.0.100"), true,
                Duration.ZERO, List.of(), HaConfig.Role.SECONDARY, InetAddress.getByName("10.0.0.2"),
                InetAddress.getByName("10.0.0.3"), 7790, OptionalInt.empty(), secret);
        ClusteredNode node = ClusteredNode.prepare(ha, balancer, engine, new PrintStream(new ByteArrayOutputStream()));
        LoadBalancer managed = new ReplicatingBalancer(balancer, node, new Object());

        assertThatThrownBy(() -> managed.reconfigure(List.of(service("PACS", 10104), service("EXTRA", 10105))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("this node is the secondary (ha.role): its services are replicated from the primary"
                        + " 10.0.0.2; change them there");
        assertThat(managed.services()).isEqualTo(balancer.services()).extracting(VirtualService::label)
                .containsExactly("PACS");
        assertThat(node.isPrimary()).isFalse();
        node.close();
    }
}
