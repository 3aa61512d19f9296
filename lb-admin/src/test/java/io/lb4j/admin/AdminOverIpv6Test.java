package io.lb4j.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.testkit.LbTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admin server bound to an IPv6 address ({@code ::1}), serving a service whose VIP, real server and fallback are
 * IPv6: its URL is bracketed, its self-signed certificate names the address (the client verifies it), the API writes
 * addresses in their short form, and the audit log names the IPv6 caller.
 */
class AdminOverIpv6Test {

    private static final String PASSWORD = "correct horse battery staple";

    @TempDir
    Path tls;

    private final LbTestKit kit = LbTestKit.create();
    private AdminServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop();
        }
        kit.close();
    }

    @Test
    void anAdminServerOnIpv6ServesIpv6ServicesInTheirShortForm() {
        LoadBalancer lb = kit.start(VirtualService.proxy().label("PACS").address("2001:DB8:0:0::100").ports(104)
                .real("PrimaryCluster", "[2001:db8::110]", r -> r.weight(100))
                .fallback("2001:db8::120")
                .healthCheck(HealthCheck.none())
                .build());
        server = AdminServer.builder().balancer(lb).bind("::1", 0)
                .users(List.of(AdminUser.withPassword("operator", PASSWORD.toCharArray())))
                .selfSignedCertificate(tls)
                .build().start();

        assertThat(server.uri()).isEqualTo(URI.create("https://[::1]:" + server.address().getPort() + "/"));
        AdminClient client = new AdminClient(server); // verifies the host name: the certificate names ::1
        assertThat(client.login("operator", PASSWORD).status()).isEqualTo(200);

        JsonNode pacs = client.get("/api/status").json().get("services").get(0);
        assertThat(pacs.get("address").asText()).isEqualTo("2001:db8::100");
        assertThat(pacs.get("realServers").get(0).get("address").asText()).isEqualTo("2001:db8::110");
        assertThat(pacs.get("fallback").get("address").asText()).isEqualTo("2001:db8::120");
        assertThat(client.get("/api/config").body()).contains("2001:db8::100").doesNotContain("0:0:0");

        assertThat(client.post("/api/services/PACS/real-servers/PrimaryCluster/halt").status()).isEqualTo(200);
        assertThat(server.auditLog()).anySatisfy(e -> {
            assertThat(e.action()).contains("halt");
            assertThat(e.remote()).isEqualTo("::1");
        });
    }
}
