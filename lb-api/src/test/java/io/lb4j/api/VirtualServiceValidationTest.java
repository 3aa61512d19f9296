package io.lb4j.api;

import io.lb4j.api.check.CheckPorts;
import io.lb4j.api.check.CompositeProbe;
import io.lb4j.api.check.ConnectProbe;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.HttpProbe;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every rule {@link VirtualService.Builder#build()} checks, one test each, and the seed's MergePACS service. */
class VirtualServiceValidationTest {

    /** A valid direct-routing service to break one rule at a time. */
    private static VirtualService.Builder pacs() {
        return VirtualService.directRouting().label("PACS").address("192.168.100.100").ports(104, 80)
                .real("PrimaryCluster", "192.168.100.110");
    }

    // --- the seed's service -------------------------------------------------------------------------------------

    @Test
    void buildsTheSeedsMergePacsServiceWithTheExpectedValuesAndDefaults() throws Exception {
        VirtualService service = VirtualService.directRouting()
                .label("PACS")
                .address("192.168.100.100")
                .ports(104, 80, 8080, 443, 8443, 5222, 1001)
                .real("PrimaryCluster", "192.168.100.110", r -> r.weight(100))
                .fallback("192.168.100.120", f -> f.masquerade(true))
                .healthCheck(HealthCheck.connect().allPorts().interval(Duration.ofSeconds(30)).failAfter(10)
                        .riseAfter(1))
                .build();

        assertThat(service.method()).isEqualTo(ForwardingMethod.DIRECT_ROUTING);
        assertThat(service.label()).isEqualTo("PACS");
        assertThat(service.address()).isEqualTo(InetAddress.getByName("192.168.100.100"));
        assertThat(service.ports()).containsExactly(104, 80, 8080, 443, 8443, 5222, 1001);
        assertThat(service.realServers()).containsExactly(new RealServer("PrimaryCluster",
                InetAddress.getByName("192.168.100.110"), 0, 100, 0, 0));
        assertThat(service.realServer("PrimaryCluster")).isPresent();
        assertThat(service.realServer("Secondary")).isEmpty();
        assertThat(service.fallback()).contains(new Fallback(InetAddress.getByName("192.168.100.120"), 0, true));

        HealthCheck check = service.healthCheck();
        assertThat(check.probe()).isEqualTo(ConnectProbe.INSTANCE);
        assertThat(check.ports()).isEqualTo(CheckPorts.all());
        assertThat(check.interval()).isEqualTo(Duration.ofSeconds(30));
        assertThat(check.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(check.jitter()).isEqualTo(Duration.ZERO);
        assertThat(check.failAfter()).isEqualTo(10);
        assertThat(check.riseAfter()).isEqualTo(1);

        // Defaults
        assertThat(service.protocol()).isEqualTo(Protocol.TCP);
        assertThat(service.scheduler()).isEqualTo(Scheduler.weightedLeastConnections());
        assertThat(service.persistence()).isEqualTo(Duration.ZERO);
        assertThat(service.failback()).isEqualTo(FailbackPolicy.automatic());
    }

    @Test
    void defaultsToAConnectCheckOnAllPorts() {
        VirtualService service = pacs().build();
        assertThat(service.healthCheck()).isEqualTo(HealthCheck.connect().build());
        assertThat(service.fallback()).isEmpty();
    }

    @Test
    void toBuilderBuildsAnEqualService() {
        VirtualService service = VirtualService.nat().label("RIS").address("10.1.0.10").portRange(2575, 2577)
                .protocol(Protocol.UDP).real("a", "10.1.0.11", r -> r.port(12575).weight(7).maxConnections(10))
                .real(RealServer.builder("b", "10.1.0.12").minConnections(2).maxConnections(4).build())
                .fallback("10.1.0.13", f -> f.port(80)).healthCheck(HealthCheck.none())
                .scheduler(Scheduler.maglev(7919)).persistence(Duration.ofMinutes(5))
                .failback(FailbackPolicy.holdDown(Duration.ofMinutes(2))).build();

        VirtualService copy = service.toBuilder().build();

        assertThat(copy).isEqualTo(service).hasSameHashCodeAs(service).isNotSameAs(service);
        assertThat(copy.ports()).containsExactly(2575, 2576, 2577);
        assertThat(service.toBuilder().label("RIS2").build()).isNotEqualTo(service);
    }

    @Test
    void aServiceMayHaveOnlyAFallback() {
        VirtualService service = VirtualService.directRouting().label("S").address("10.0.0.1").ports(80)
                .fallback("10.0.0.2").build();
        assertThat(service.realServers()).isEmpty();
    }

    @Test
    void aProxyMayForwardToAnotherPortOnTheVipsOwnAddress() {
        VirtualService service = VirtualService.proxy().label("S").address("127.0.0.1").ports(8080)
                .real("local", "127.0.0.1", r -> r.port(9090)).build();
        assertThat(service.realServers().getFirst().port()).isEqualTo(9090);
    }

    @Test
    void aProxyMayForwardAcrossAddressFamilies() {
        VirtualService service = VirtualService.proxy().label("S").address("192.168.1.1").ports(80)
                .real("v6", "2001:db8::1").build();
        assertThat(service.realServers()).hasSize(1);
    }

    @Test
    void aMasqueradingFallbackMayRemapThePortUnderDirectRouting() {
        VirtualService service = pacs().fallback("192.168.100.120", f -> f.port(8104).masquerade(true)).build();
        assertThat(service.fallback().orElseThrow().port()).isEqualTo(8104);
    }

    @Test
    void acceptsBracketedIpv6Literals() throws Exception {
        VirtualService service = VirtualService.nat().label("S").address("[2001:db8::100]").ports(80)
                .real("a", "2001:db8::110").build();
        assertThat(service.address()).isEqualTo(InetAddress.getByName("2001:db8::100"));
    }

    // --- label --------------------------------------------------------------------------------------------------

    @Test
    void rejectsAMissingLabel() {
        assertThatThrownBy(() -> pacs().label(null).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("label: missing (expected: a non-blank label)");
    }

    @Test
    void rejectsABlankLabel() {
        assertThatThrownBy(() -> pacs().label(" ").build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("label: \" \" (expected: a non-blank label)");
    }

    // --- address ------------------------------------------------------------------------------------------------

    @Test
    void rejectsAMissingAddress() {
        assertThatThrownBy(() -> VirtualService.nat().label("S").ports(80).real("a", "10.0.0.2").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("address: missing (expected: the VIP's IPv4 or IPv6 address)");
    }

    @Test
    void rejectsAHostNameInsteadOfAnAddressLiteral() {
        assertThatThrownBy(() -> pacs().address("pacs.example.org").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("address: \"pacs.example.org\" (expected: an IPv4 or IPv6 address literal)");
    }

    @Test
    void rejectsAnIpv4LiteralWithAnOctetAbove255() {
        assertThatThrownBy(() -> pacs().address("192.168.100.256").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("address: \"192.168.100.256\" (expected: an IPv4 or IPv6 address literal)");
    }

    @Test
    void rejectsAnIpv4LiteralWithTooFewOctets() {
        assertThatThrownBy(() -> pacs().address("192.168.100").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("address: \"192.168.100\" (expected: an IPv4 or IPv6 address literal)");
    }

    @Test
    void rejectsAnIpv4AddressWrittenAsOneNumber() {
        assertThatThrownBy(() -> pacs().address("3232261220").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("address: \"3232261220\" (expected: an IPv4 or IPv6 address literal)");
    }

    @Test
    void rejectsAMalformedIpv6Literal() {
        assertThatThrownBy(() -> pacs().address("2001:db8::1::2").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("address: \"2001:db8::1::2\" (expected: an IPv4 or IPv6 address literal)");
    }

    // --- ports --------------------------------------------------------------------------------------------------

    @Test
    void rejectsAServiceWithoutPorts() {
        assertThatThrownBy(() -> VirtualService.nat().label("S").address("10.0.0.1").real("a", "10.0.0.2").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ports: [] (expected: at least one port 1-65535)");
    }

    @Test
    void rejectsPortZeroWhichOnlyAFallbackMayUse() {
        assertThatThrownBy(() -> pacs().ports(0).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ports: 0 (expected: 1-65535; port 0 is only meaningful for a fallback)");
    }

    @Test
    void rejectsAPortAbove65535() {
        assertThatThrownBy(() -> pacs().ports(65536).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ports: 65536 (expected: 1-65535)");
    }

    @Test
    void rejectsANegativePort() {
        assertThatThrownBy(() -> pacs().ports(-1).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ports: -1 (expected: 1-65535)");
    }

    @Test
    void rejectsAPortListedTwice() {
        assertThatThrownBy(() -> pacs().ports(443, 104).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ports: 104 (expected: each port once; 104 is listed twice)");
    }

    @Test
    void rejectsAPortRangeThatOverlapsTheListedPorts() {
        assertThatThrownBy(() -> pacs().portRange(100, 110).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("ports: 104 (expected: each port once; 104 is listed twice)");
    }

    @Test
    void rejectsAPortRangeThatRunsBackwards() {
        assertThatThrownBy(() -> pacs().portRange(8443, 8080)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("portRange: 8443-8080 (expected: from <= to)");
    }

    @Test
    void rejectsAPortRangeStartingAtZero() {
        assertThatThrownBy(() -> pacs().portRange(0, 10)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("portRange.from: 0 (expected: 1-65535)");
    }

    @Test
    void rejectsAPortRangeEndingAbove65535() {
        assertThatThrownBy(() -> pacs().portRange(65530, 65536)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("portRange.to: 65536 (expected: 1-65535)");
    }

    // --- other service fields -----------------------------------------------------------------------------------

    @Test
    void rejectsAMissingProtocol() {
        assertThatThrownBy(() -> pacs().protocol(null).build()).isInstanceOf(NullPointerException.class)
                .hasMessage("protocol");
    }

    @Test
    void rejectsANegativePersistence() {
        assertThatThrownBy(() -> pacs().persistence(Duration.ofSeconds(-1)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("persistence: PT-1S (expected: >= 0)");
    }

    @Test
    void rejectsNullSettersNamingTheParameter() {
        assertThatThrownBy(() -> pacs().scheduler(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("scheduler");
        assertThatThrownBy(() -> pacs().persistence(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("persistence");
        assertThatThrownBy(() -> pacs().failback(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("failback");
        assertThatThrownBy(() -> pacs().healthCheck((HealthCheck) null)).isInstanceOf(NullPointerException.class)
                .hasMessage("healthCheck");
        assertThatThrownBy(() -> VirtualService.builder(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("method");
    }

    @Test
    void rejectsAnInvalidHealthCheckWhenTheServiceIsBuilt() {
        assertThatThrownBy(() -> pacs().healthCheck(HealthCheck.connect().failAfter(0)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("healthCheck.failAfter: 0 (expected: 1-1000)");
    }

    @Test
    void rejectsAnAllOfCheckThatLeavesAPortOfTheServiceUnchecked() {
        HealthCheck.Builder dicomOnly = HealthCheck.allOf(CompositeProbe.on(DicomEchoProbe.defaults(), 104));

        assertThatThrownBy(() -> pacs().healthCheck(dicomOnly).build()).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("allOf.ports: 80 (expected: every checked port in one probe, or an otherPorts probe; 80"
                        + " is in none)");
    }

    @Test
    void anAllOfCheckCoversTheRestWithOtherPortsOrByNarrowingTheCheckedPorts() {
        CompositeProbe dicom = CompositeProbe.on(DicomEchoProbe.defaults(), 104);

        assertThat(pacs().healthCheck(HealthCheck.allOf(dicom.otherPorts(ConnectProbe.INSTANCE))).build()
                .healthCheck().probe()).isEqualTo(dicom.otherPorts(ConnectProbe.INSTANCE));
        assertThat(pacs().healthCheck(HealthCheck.allOf(dicom).ports(104)).build().healthCheck().ports())
                .isEqualTo(CheckPorts.of(104));
        // A part may name a port the service does not listen on: a separate health endpoint.
        assertThat(pacs().healthCheck(HealthCheck.allOf(dicom.and(HttpProbe.get("/"), 80, 8081))).build()
                .healthCheck().probe()).isInstanceOf(CompositeProbe.class);
    }

    // --- real servers -------------------------------------------------------------------------------------------

    @Test
    void rejectsAServiceWithNeitherRealServersNorFallback() {
        assertThatThrownBy(() -> VirtualService.nat().label("S").address("10.0.0.1").ports(80).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServers: [] (expected: at least one real server or a fallback)");
    }

    @Test
    void rejectsTwoRealServersWithTheSameLabel() {
        assertThatThrownBy(() -> pacs().real("PrimaryCluster", "192.168.100.111").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServers: \"PrimaryCluster\" (expected: unique labels; \"PrimaryCluster\" is used twice)");
    }

    @Test
    void rejectsABlankRealServerLabel() {
        assertThatThrownBy(() -> pacs().real("", "192.168.100.111").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer.label: \"\" (expected: a non-blank label)");
    }

    @Test
    void rejectsAMissingRealServerLabel() {
        assertThatThrownBy(() -> pacs().real(null, "192.168.100.111").build())
                .isInstanceOf(NullPointerException.class)
                .hasMessage("realServer.label");
    }

    @Test
    void rejectsAMissingRealServerAddress() {
        assertThatThrownBy(() -> pacs().real("B", null).build()).isInstanceOf(NullPointerException.class)
                .hasMessage("realServer[B].address");
    }

    @Test
    void rejectsABadRealServerAddressLiteral() {
        assertThatThrownBy(() -> pacs().real("B", "primary.local").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer[B].address: \"primary.local\" (expected: an IPv4 or IPv6 address literal)");
    }

    @Test
    void rejectsAnOutOfRangeRealServerOption() {
        assertThatThrownBy(() -> pacs().real("B", "192.168.100.111", r -> r.weight(70000)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer[B].weight: 70000 (expected: 0-65535)");
    }

    @Test
    void rejectsARealServerPortUnderDirectRouting() {
        assertThatThrownBy(() -> pacs().real("B", "192.168.100.111", r -> r.port(8104)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer[B].port: 8104 (expected: 0, the client's port: direct-routing cannot remap ports)");
    }

    @Test
    void rejectsARealServerPortUnderTunnelling() {
        assertThatThrownBy(() -> VirtualService.tunnel().label("S").address("10.0.0.1").ports(80)
                .real("a", "10.0.0.2", r -> r.port(8080)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer[a].port: 8080 (expected: 0, the client's port: tunnel cannot remap ports)");
    }

    @Test
    void acceptsARealServerPortUnderNat() {
        VirtualService service = VirtualService.nat().label("S").address("10.0.0.1").ports(80)
                .real("a", "10.0.0.2", r -> r.port(8080)).build();
        assertThat(service.realServers().getFirst().targetPort(80)).isEqualTo(8080);
    }

    @Test
    void rejectsARealServerOnTheVip() {
        assertThatThrownBy(() -> pacs().real("B", "192.168.100.100").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer[B].address: 192.168.100.100 (expected: an address other than the VIP 192.168.100.100)");
    }

    @Test
    void rejectsAProxyRealServerOnTheVipAndOneOfItsPorts() {
        assertThatThrownBy(() -> VirtualService.proxy().label("S").address("127.0.0.1").ports(8080, 9090)
                .real("local", "127.0.0.1", r -> r.port(9090)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer[local].address: 127.0.0.1 (expected: an address other than the VIP 127.0.0.1,"
                        + " or a port the VIP does not listen on)");
    }

    @Test
    void rejectsAnIpv6RealServerBehindAnIpv4VipUnderDirectRouting() {
        assertThatThrownBy(() -> pacs().real("B", "2001:db8::110").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer[B].address: 2001:db8::110 (expected: an IPv4 address like the VIP:"
                        + " direct-routing cannot change the address family)");
    }

    @Test
    void rejectsAnIpv4RealServerBehindAnIpv6VipUnderNat() {
        assertThatThrownBy(() -> VirtualService.nat().label("S").address("2001:db8::100").ports(80)
                .real("a", "10.0.0.2").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer[a].address: 10.0.0.2 (expected: an IPv6 address like the VIP:"
                        + " nat cannot change the address family)");
    }

    // --- fallback -----------------------------------------------------------------------------------------------

    @Test
    void rejectsAFallbackPortUnderDirectRoutingWithoutMasquerade() {
        assertThatThrownBy(() -> pacs().fallback("192.168.100.120", f -> f.port(8104)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fallback.port: 8104 (expected: 0, the client's port: direct-routing cannot remap ports"
                        + " unless the fallback masquerades)");
    }

    @Test
    void rejectsAFallbackOnTheVip() {
        assertThatThrownBy(() -> pacs().fallback("192.168.100.100").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fallback.address: 192.168.100.100 (expected: an address other than the VIP 192.168.100.100)");
    }

    @Test
    void rejectsAMasqueradingFallbackOnTheVip() {
        assertThatThrownBy(() -> pacs().fallback("192.168.100.100", f -> f.masquerade(true).port(8104)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fallback.address: 192.168.100.100 (expected: an address other than the VIP 192.168.100.100)");
    }

    @Test
    void rejectsAFallbackOfTheOtherAddressFamily() {
        assertThatThrownBy(() -> pacs().fallback("2001:db8::120").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fallback.address: 2001:db8::120 (expected: an IPv4 address like the VIP:"
                        + " direct-routing cannot change the address family)");
    }

    @Test
    void rejectsABadFallbackAddressLiteral() {
        assertThatThrownBy(() -> pacs().fallback("secondary").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fallback.address: \"secondary\" (expected: an IPv4 or IPv6 address literal)");
    }

    @Test
    void rejectsAnOutOfRangeFallbackPort() {
        assertThatThrownBy(() -> pacs().fallback("192.168.100.120", f -> f.masquerade(true).port(65536)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fallback.port: 65536 (expected: 0-65535)");
    }

    @Test
    void removesTheFallbackWithNull() {
        VirtualService service = pacs().fallback("192.168.100.120").fallback((Fallback) null).build();
        assertThat(service.fallback()).isEmpty();
    }

    @Test
    void keepsRealServersInConfiguredOrder() {
        VirtualService service = pacs().real("B", "192.168.100.112").real("A", "192.168.100.111").build();
        assertThat(service.realServers()).extracting(RealServer::label).containsExactly("PrimaryCluster", "B", "A");
        assertThat(service.ports()).isEqualTo(List.of(104, 80));
    }

    // --- the client's address at the real server ----------------------------------------------------------------

    /** A valid proxy service to set the client-address options on. */
    private static VirtualService.Builder proxyPacs() {
        return VirtualService.proxy().label("PACS").address("192.168.100.100").ports(104)
                .real("PrimaryCluster", "192.168.100.110").fallback("192.168.100.120");
    }

    @Test
    void aProxyServiceKeepsTheClientsAddressAndSendsAProxyHeaderOnlyWhenAsked() {
        VirtualService plain = proxyPacs().build();
        VirtualService both = proxyPacs().preserveClientAddress(true).proxyProtocol(ProxyProtocol.V2).build();

        assertThat(plain.preserveClientAddress()).isFalse();
        assertThat(plain.proxyProtocol()).isEqualTo(ProxyProtocol.NONE);
        assertThat(both.preserveClientAddress()).isTrue();
        assertThat(both.proxyProtocol()).isEqualTo(ProxyProtocol.V2);
        assertThat(both).isNotEqualTo(plain);
        assertThat(both.toBuilder().build()).isEqualTo(both).hasSameHashCodeAs(both);
        assertThat(both.toBuilder().preserveClientAddress(false).build()).isNotEqualTo(both);
        assertThat(both.toBuilder().proxyProtocol(ProxyProtocol.NONE).build()).isNotEqualTo(both);
    }

    @Test
    void theClientAddressOptionsAreRefusedForMethodsThatKeepTheAddressAlready() {
        assertThatThrownBy(() -> pacs().preserveClientAddress(true).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("preserveClientAddress: true (expected: false for a direct-routing service: only a proxy"
                        + " service opens its own connections to the real servers, direct-routing keeps the client's"
                        + " address already)");
        assertThatThrownBy(() -> VirtualService.nat().label("S").address("10.0.0.1").ports(80).real("a", "10.0.0.2")
                .proxyProtocol(ProxyProtocol.V2).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("proxyProtocol: \"v2\" (expected: none for a nat service: only a proxy service opens its"
                        + " own connections to the real servers)");
        assertThat(pacs().preserveClientAddress(false).proxyProtocol(ProxyProtocol.NONE).build())
                .isEqualTo(pacs().build());
    }

    @Test
    void theClientAddressOptionsAreRefusedForUdp() {
        assertThatThrownBy(() -> proxyPacs().protocol(Protocol.UDP).preserveClientAddress(true).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("preserveClientAddress: true (expected: false for a UDP service: the client's address is"
                        + " kept on TCP connections only)");
        assertThatThrownBy(() -> proxyPacs().protocol(Protocol.UDP).proxyProtocol(ProxyProtocol.V2).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("proxyProtocol: \"v2\" (expected: none for a UDP service: the PROXY header is sent on TCP"
                        + " connections only)");
    }

    @Test
    void keepingTheClientsAddressNeedsRealServersOfTheVipsFamily() {
        assertThatThrownBy(() -> proxyPacs().real("v6", "2001:db8::110").preserveClientAddress(true).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("realServer[v6].address: 2001:db8::110 (expected: an IPv4 address like the VIP:"
                        + " preserveClientAddress connects from the client's address, which has the VIP's family)");
        assertThatThrownBy(() -> VirtualService.proxy().label("S").address("2001:db8::100").ports(104)
                .fallback("10.0.0.2").preserveClientAddress(true).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("fallback.address: 10.0.0.2 (expected: an IPv6 address like the VIP: preserveClientAddress"
                        + " connects from the client's address, which has the VIP's family)");
        // Without it a proxy may change the family: the connection comes from the balancer's own address.
        assertThat(proxyPacs().real("v6", "2001:db8::110").proxyProtocol(ProxyProtocol.V2).build().realServers())
                .hasSize(2);
    }

    @Test
    void proxyProtocolNamesItsConfigurationValues() {
        assertThat(ProxyProtocol.fromConfigName("v2")).isEqualTo(ProxyProtocol.V2);
        assertThat(ProxyProtocol.fromConfigName("none")).isEqualTo(ProxyProtocol.NONE);
        assertThatThrownBy(() -> ProxyProtocol.fromConfigName("v1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("proxyProtocol: \"v1\" (expected: none, v2)");
        assertThatThrownBy(() -> proxyPacs().proxyProtocol(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("proxyProtocol");
    }
}
