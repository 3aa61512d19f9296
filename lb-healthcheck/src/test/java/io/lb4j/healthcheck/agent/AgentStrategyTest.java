package io.lb4j.healthcheck.agent;

import io.lb4j.api.check.AgentProbe;
import io.lb4j.api.check.CheckResult;
import io.lb4j.api.check.WeightReport;
import io.lb4j.healthcheck.support.Loopback;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * agent(port) against real agents listening on real sockets: each a {@link TestServer} answering as HAProxy's
 * agent-check protocol or the Loadbalancer.org feedback agent does.
 */
class AgentStrategyTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private final AgentStrategy strategy = new AgentStrategy();

    /** One attempt against an agent that answers {@code handler}; the service port is another, closed one. */
    private CheckResult ask(Handler handler) {
        try (TestServer agent = TestServer.loopback(handler)) {
            return ask(AgentProbe.of(agent.port()), TIMEOUT);
        }
    }

    private CheckResult ask(AgentProbe probe, Duration timeout) {
        return Loopback.run(strategy, probe, Loopback.target(timeout, Loopback.freePort()));
    }

    private static String port(TestServer agent) {
        return "agent port " + agent.port() + ": ";
    }

    @Test
    void aPercentageSetsThatShareOfTheConfiguredWeight() {
        try (TestServer agent = TestServer.loopback(Handler.send("75%\n"))) {
            assertThat(ask(AgentProbe.of(agent.port()), TIMEOUT)).isEqualTo(
                    CheckResult.passed(WeightReport.percent(75), port(agent) + "75% (weight 75%)"));
        }
    }

    @Test
    void haproxyWordsCombineWithCommasAndSpacesAndADescription() {
        try (TestServer agent = TestServer.loopback(Handler.send("up, 50%\tready # cpu busy\r\n"))) {
            assertThat(ask(AgentProbe.of(agent.port()), TIMEOUT)).isEqualTo(
                    CheckResult.passed(WeightReport.percent(50), port(agent) + "up 50% ready # cpu busy (weight 50%)"));
        }
        assertThat(ask(Handler.send("drain\n")).weight()).contains(WeightReport.percent(0));
        assertThat(ask(Handler.send("MAINT 80%\n")).weight()).contains(WeightReport.percent(0));
        assertThat(ask(Handler.send("ready\n")).weight()).contains(WeightReport.configured());
        assertThat(ask(Handler.send("maxconn:30 60%\n")).weight()).contains(WeightReport.percent(60));
    }

    @Test
    void theLoadbalancerOrgAgentsBareIdlePercentageWithoutALineEndSetsTheWeight() {
        // The Loadbalancer.org agent writes the idle percentage and closes.
        try (TestServer agent = TestServer.loopback(Handler.send("87"))) {
            assertThat(ask(AgentProbe.of(agent.port()), TIMEOUT)).isEqualTo(
                    CheckResult.passed(WeightReport.percent(87), port(agent) + "87 (weight 87%)"));
        }
    }

    @Test
    void onlyDownFailsTheAttemptWithTheAgentsDescription() {
        try (TestServer agent = TestServer.loopback(Handler.send("down # disk full\n"))) {
            assertThat(ask(AgentProbe.of(agent.port()), TIMEOUT)).isEqualTo(
                    CheckResult.failed(port(agent) + "down # disk full"));
        }
        assertThat(ask(Handler.send("stopped\n")).healthy()).isFalse();
        assertThat(ask(Handler.send("fail 50%\n")).healthy()).isFalse();
    }

    @Test
    void garbageIsCountedAndIgnoredLeavingTheConfiguredWeight() {
        long before = strategy.ignoredReplies();
        try (TestServer agent = TestServer.loopback(Handler.send("HTTP/1.1 400 Bad Request\r\n\r\n"))) {
            assertThat(ask(AgentProbe.of(agent.port()), TIMEOUT)).isEqualTo(CheckResult.passed(
                    WeightReport.configured(), port(agent) + "not an agent reply: \"HTTP/1.1 400 Bad Request\","
                            + " ignored (weight as configured)"));
        }
        assertThat(ask(Handler.send("-5%\n")).weight()).contains(WeightReport.configured());
        assertThat(ask(Handler.send("99999999%\n")).weight()).contains(WeightReport.configured());
        assertThat(ask(Handler.send("\u0001\u0002\n")).weight()).contains(WeightReport.configured());
        assertThat(strategy.ignoredReplies() - before).isEqualTo(4);
    }

    @Test
    void anAgentThatDoesNotAnswerLeavesTheServerUpAtItsConfiguredWeight() {
        int closed = Loopback.freePort();
        assertThat(ask(AgentProbe.of(closed), TIMEOUT)).isEqualTo(CheckResult.passed(WeightReport.configured(),
                "agent port " + closed + ": connection refused (weight as configured)"));
        try (TestServer silent = TestServer.loopback(Handler.hold())) {
            assertThat(ask(AgentProbe.of(silent.port()), Duration.ofMillis(300))).isEqualTo(CheckResult.passed(
                    WeightReport.configured(), port(silent)
                            + "timed out after 300ms waiting for agent reply (weight as configured)"));
        }
        try (TestServer mute = TestServer.loopback(Handler.close())) {
            assertThat(ask(AgentProbe.of(mute.port()), TIMEOUT)).isEqualTo(CheckResult.passed(
                    WeightReport.configured(), port(mute)
                            + "connection closed by peer while waiting for agent reply (weight as configured)"));
        }
        // The monitor's own timeout means the same for an agent.
        assertThat(AgentProbe.of(3333).onTimeout("timed out after 5s")).isEqualTo(CheckResult.passed(
                WeightReport.configured(), "agent: timed out after 5s (weight as configured)"));
    }

    @Test
    void whatTheProbeSendsReachesTheAgentFirst() {
        // An agent serving several servers answers by the name it is sent, as HAProxy's agent-send allows.
        Handler byName = connection -> {
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(connection),
                    StandardCharsets.US_ASCII));
            String name = in.readLine();
            TestServer.writeFully(connection, ByteBuffer.wrap((name.equals("pacs/primary") ? "40%\n" : "down\n")
                    .getBytes(StandardCharsets.US_ASCII)));
        };
        try (TestServer agent = TestServer.loopback(byName)) {
            assertThat(ask(AgentProbe.of(agent.port()).withSend("pacs/primary\n"), TIMEOUT).weight())
                    .contains(WeightReport.percent(40));
            assertThat(ask(AgentProbe.of(agent.port()).withSend("ris/primary\n"), TIMEOUT).healthy()).isFalse();
        }
    }
}
