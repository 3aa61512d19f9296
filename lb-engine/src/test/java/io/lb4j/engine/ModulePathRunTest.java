package io.lb4j.engine;

import io.lb4j.testsupport.api.ClassPathModules;
import io.lb4j.testsupport.api.JavaProgram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * lb4j works as modules, not only on the class path where the other tests run: a JVM that loads it from the module
 * path (only {@code io.lb4j.engine} named, the rest resolved from the module descriptors) finds the control plane and
 * the health-check strategies as services, starts a proxy balancer on loopback with a connect check, and relays a
 * connection to the real server. A missing {@code requires}, {@code uses} or {@code provides} fails here.
 */
class ModulePathRunTest {

    private static final String BALANCER = """
            import io.lb4j.api.HealthCheck;
            import io.lb4j.api.LoadBalancer;
            import io.lb4j.api.VirtualService;
            import io.lb4j.engine.proxy.ProxyEngine;

            import java.net.InetAddress;
            import java.net.ServerSocket;
            import java.net.Socket;
            import java.time.Duration;

            public class Balancer {
                public static void main(String[] args) throws Exception {
                    InetAddress loopback = InetAddress.getLoopbackAddress();
                    int vipPort;
                    try (ServerSocket free = new ServerSocket(0, 1, loopback)) {
                        vipPort = free.getLocalPort();
                    }
                    try (ServerSocket real = new ServerSocket(0, 50, loopback)) {
                        real.setSoTimeout(10_000);
                        LoadBalancer lb = LoadBalancer.builder().engine(ProxyEngine.create())
                                .service(VirtualService.proxy().label("PACS").address(loopback.getHostAddress())
                                        .ports(vipPort)
                                        .real("PrimaryCluster", loopback.getHostAddress(),
                                                r -> r.port(real.getLocalPort()))
                                        .healthCheck(HealthCheck.connect().interval(Duration.ofMillis(200)))
                                        .build())
                                .build();
                        lb.start();
                        try (Socket client = new Socket(loopback, vipPort); Socket relayed = real.accept()) {
                            System.out.println("relayed to " + relayed.getLocalPort() + " via "
                                    + LoadBalancer.class.getModule().getName() + ", "
                                    + ProxyEngine.class.getModule().getName());
                        } finally {
                            lb.stop(Duration.ZERO);
                        }
                    }
                }
            }
            """;

    @TempDir
    Path dir;

    @Test
    void aBalancerLoadedFromTheModulePathStartsAndRelays() throws Exception {
        JavaProgram.Result r = JavaProgram.run(dir, BALANCER, "--module-path", ClassPathModules.modulePathArgument(),
                "--add-modules", "io.lb4j.engine");

        assertThat(r.exitStatus()).as("exit status; stderr: %s", r.err()).isZero();
        assertThat(r.out()).startsWith("relayed to ").endsWith(" via io.lb4j.api, io.lb4j.engine");
    }
}
