package io.lb4j.healthcheck;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.check.CompositeProbe;
import io.lb4j.api.check.ConnectProbe;
import io.lb4j.api.check.DicomEchoProbe;
import io.lb4j.api.check.DicomFindProbe;
import io.lb4j.api.check.DicomTls;
import io.lb4j.api.check.ExternalProbe;
import io.lb4j.api.check.Hl7Probe;
import io.lb4j.api.check.HttpProbe;
import io.lb4j.api.check.NegotiateProbe;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The probe specs: value equality, defaults and one test per validation rule, asserting the message. */
class ProbeSpecsTest {

    @Test
    void factoriesKeepTheFluentHealthCheckBuilder() {
        HealthCheck check = HealthCheck.http(HttpProbe.get("/health").expectStatus(200)).ports(80, 8080)
                .interval(Duration.ofSeconds(30)).failAfter(10).build();
        assertThat(check.probe()).isEqualTo(HttpProbe.get("/health").expectStatus(200));
        assertThat(check.probe().type()).isEqualTo("http");
        assertThat(HealthCheck.https().build().probe().type()).isEqualTo("https");
        assertThat(HealthCheck.dicomEcho().ports(104).build().probe()).isEqualTo(DicomEchoProbe.of("LB4J", "ANY-SCP"));
        assertThat(HealthCheck.hl7().build().probe()).isEqualTo(Hl7Probe.defaults());
        assertThat(HealthCheck.negotiate("", "^220").build().probe()).isEqualTo(NegotiateProbe.of("", "^220"));
        assertThat(HealthCheck.external(Path.of("/etc/lb4j/check.sh")).build().probe())
                .isEqualTo(ExternalProbe.of(Path.of("/etc/lb4j/check.sh")));
        assertThat(HealthCheck.connect().allPorts().interval(Duration.ofSeconds(30)).failAfter(10).build().probe())
                .isEqualTo(ConnectProbe.INSTANCE);
    }

    @Test
    void httpsFactorySwitchesTlsOnAndHttpSwitchesItOff() {
        HttpProbe insecure = HttpProbe.get("/").tls(true).insecure(true);
        assertThat(HealthCheck.https(HttpProbe.get("/")).build().probe()).isEqualTo(HttpProbe.get("/").tls(true));
        assertThat(HealthCheck.http(insecure).build().probe()).isEqualTo(HttpProbe.get("/"));
    }

    @Test
    void pacsCompositeIsAValue() {
        CompositeProbe a = CompositeProbe.on(DicomEchoProbe.defaults(), 104).and(HttpProbe.get("/"), 80, 8080)
                .otherPorts(ConnectProbe.INSTANCE);
        CompositeProbe b = CompositeProbe.on(DicomEchoProbe.defaults(), 104).and(HttpProbe.get("/"), 80, 8080)
                .otherPorts(ConnectProbe.INSTANCE);
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.namedPorts()).containsExactlyInAnyOrder(104, 80, 8080);
        assertThat(HealthCheck.allOf(a).build().probe().type()).isEqualTo("allOf");
    }

    @Test
    void aeTitleLongerThan16IsRejected() {
        assertThatThrownBy(() -> DicomEchoProbe.of("LB4J", "A-VERY-LONG-AE-TITLE"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("dicomEcho.calledAeTitle: \"A-VERY-LONG-AE-TITLE\" (expected: 1-16 printable ASCII characters, no backslash, not only spaces)");
    }

    @Test
    void dicomFindNamesItsOwnFieldsInErrors() {
        assertThatThrownBy(() -> DicomFindProbe.of("LB4J", ""))
                .hasMessage("dicomFind.calledAeTitle: \"\" (expected: 1-16 printable ASCII characters, no backslash, not only spaces)");
        assertThatThrownBy(() -> DicomFindProbe.defaults().study("1.02.3"))
                .hasMessage("dicomFind.studyInstanceUid: \"1.02.3\" (expected: a UID: digits and dots, at most 64 characters, or empty)");
        assertThatThrownBy(() -> DicomFindProbe.defaults().patient("SMITH*"))
                .hasMessage("dicomFind.patientId: \"SMITH*\" (expected: at most 64 printable ASCII characters, no backslash or wildcard, or empty)");
    }

    @Test
    void dicomFindRequiresAMatchOnlyWhenAStudyOrPatientIsNamed() {
        assertThat(DicomFindProbe.defaults().requiresMatch()).isFalse();
        assertThat(DicomFindProbe.defaults().study("1.2.3").requiresMatch()).isTrue();
        assertThat(DicomFindProbe.defaults().patient("P1").requiresMatch()).isTrue();
        assertThat(HealthCheck.dicomFind().ports(104).build().probe()).isEqualTo(DicomFindProbe.of("LB4J", "ANY-SCP"));
    }

    @Test
    void dicomTlsTakesAClientKeyOnlyWithItsCertificate() {
        assertThatThrownBy(() -> new DicomTls(Optional.empty(), Optional.of(Path.of("/lb.pem")), Optional.empty()))
                .hasMessage("tls.clientKey: none (expected: the private key of tls.clientCertificate)");
        assertThatThrownBy(() -> new DicomTls(Optional.empty(), Optional.empty(), Optional.of(Path.of("/lb-key.pem"))))
                .hasMessage("tls.clientCertificate: none (expected: the certificate of tls.clientKey)");
        DicomEchoProbe echo = DicomEchoProbe.defaults().tls(DicomTls.systemTrust());
        assertThat(echo.tls()).contains(DicomTls.systemTrust());
        assertThat(echo.tls(DicomTls.systemTrust())).isSameAs(echo);
    }

    @Test
    void aeTitleWithBackslashIsRejected() {
        assertThatThrownBy(() -> DicomEchoProbe.of("LB\\4J", "PACS"))
                .hasMessage("dicomEcho.callingAeTitle: \"LB\\4J\" (expected: 1-16 printable ASCII characters, no backslash, not only spaces)");
    }

    @Test
    void httpStatusOutOfRangeIsRejected() {
        assertThatThrownBy(() -> HttpProbe.get("/").expectStatus(200, 700))
                .hasMessage("http.expectedStatus: 700 (expected: 100-599)");
    }

    @Test
    void httpPathMustStartWithSlash() {
        assertThatThrownBy(() -> HttpProbe.get("health"))
                .hasMessage("http.path: \"health\" (expected: a path starting with / and without spaces or control characters)");
    }

    @Test
    void httpBodyPatternMustCompile() {
        assertThatThrownBy(() -> HttpProbe.get("/").bodyMatches("("))
                .hasMessageStartingWith("http.bodyPattern: \"(\" (expected: a valid regular expression: ");
    }

    @Test
    void headHasNoBodyToMatch() {
        assertThatThrownBy(() -> HttpProbe.head("/").bodyMatches("UP"))
                .hasMessage("http.bodyPattern: \"UP\" (expected: none for HEAD, which has no body)");
    }

    @Test
    void insecureNeedsTls() {
        assertThatThrownBy(() -> HttpProbe.get("/").insecure(true))
                .hasMessage("http.insecure: true (expected: only with TLS (https))");
    }

    @Test
    void hl7TemplateMustStartWithMsh() {
        assertThatThrownBy(() -> Hl7Probe.template("PID|1"))
                .hasMessage("hl7.template: \"PID|1\" (expected: an HL7 v2 message starting with an MSH segment)");
    }

    @Test
    void hl7TemplateNeedsTheVersionField() {
        assertThatThrownBy(() -> Hl7Probe.template("MSH|^~\\&|A|B"))
                .hasMessage("hl7.template: \"MSH|^~\\&|A|B\" (expected: an MSH segment with at least 12 fields (up to MSH-12, the version))");
    }

    @Test
    void hl7TemplateLineFeedsBecomeCarriageReturns() {
        assertThat(Hl7Probe.template("MSH|^~\\&|A|B|||x||ADT^A01|1|P|2.5\nEVN|A01\n").template())
                .isEqualTo("MSH|^~\\&|A|B|||x||ADT^A01|1|P|2.5\rEVN|A01\r");
    }

    @Test
    void negotiateSendIsBytes() {
        assertThatThrownBy(() -> NegotiateProbe.of("\u20ac", "x"))
                .hasMessage("negotiate.send: character U+20AC at index 0 (expected: characters U+0000-U+00FF, one byte each)");
    }

    @Test
    void negotiateNeedsAPattern() {
        assertThatThrownBy(() -> NegotiateProbe.of("", ""))
                .hasMessage("negotiate.expect: \"\" (expected: a non-empty regular expression)");
    }

    @Test
    void compositePortInTwoPartsIsRejected() {
        assertThatThrownBy(() -> CompositeProbe.on(DicomEchoProbe.defaults(), 104).and(ConnectProbe.INSTANCE, 80, 104))
                .hasMessage("allOf.ports: 104 (expected: each port in one part; 104 is listed twice)");
    }

    @Test
    void compositeCannotNest() {
        CompositeProbe inner = CompositeProbe.on(ConnectProbe.INSTANCE, 80);
        assertThatThrownBy(() -> CompositeProbe.on(inner, 104))
                .hasMessage("allOf.probe: allOf (expected: a single probe, not a nested allOf)");
    }

    @Test
    void externalCheckSourceIsAnIpLiteralNotAHostName() {
        // A name would put a DNS lookup (and whoever answers it) into every attempt.
        assertThatThrownBy(() -> ExternalProbe.of(Path.of("/x")).withCheckSource("pacs.hospital.example"))
                .hasMessage("external.checkSource: \"pacs.hospital.example\" (expected: an IP address literal, or empty)");
    }

    @Test
    void externalCheckSourceIsADottedQuadOrUnbracketedIpv6() {
        for (String odd : List.of("10.0.0.1 ", "10.1", "010.0.0.1", "[::1]")) {
            assertThatThrownBy(() -> ExternalProbe.of(Path.of("/x")).withCheckSource(odd))
                    .hasMessage("external.checkSource: \"" + odd + "\" (expected: an IP address literal, or empty)");
        }
        assertThat(ExternalProbe.of(Path.of("/x")).withCheckSource("fd00::5").checkSource()).isEqualTo("fd00::5");
        assertThat(ExternalProbe.of(Path.of("/x")).withCheckSource("10.0.0.5").checkSource()).isEqualTo("10.0.0.5");
    }
}
