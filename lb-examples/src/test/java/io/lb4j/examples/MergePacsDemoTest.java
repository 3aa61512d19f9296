package io.lb4j.examples;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class MergePacsDemoTest {

    @Test
    void proxyDemoReportsFailoverToTheSecondaryAndFailBackToThePrimary() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

        // An offset of its own, so the test does not collide with a demo someone runs on the default ports; all below the
        // ephemeral range (32768+), where client sockets of other processes could hold a port.
        int status = MergePacsDemo.run(new String[] {"--port-offset", "21000"}, out);

        String text = bytes.toString(StandardCharsets.UTF_8);
        assertThat(status).as(text).isZero();
        assertThat(text)
                .contains("VIP 127.0.0.1 ports [21104, 21080, 29080, 21443, 29443, 26222, 22001]")
                .contains("primary cluster 127.0.0.2 KILLED")
                .contains("PACS: real server PrimaryCluster DOWN")
                .contains("PACS: FAILED OVER to fallback 127.0.0.3")
                .contains("PACS: FAILED BACK to PrimaryCluster")
                .contains("Result: failover and fail-back OK");
        String afterFailover = text.substring(text.indexOf("FAILED OVER"), text.indexOf("FAILED BACK"));
        String afterFailback = text.substring(text.indexOf("FAILED BACK"));
        // Rows of the live table: while failed over the clients land on the secondary, afterwards on the primary.
        assertThat(afterFailover).containsPattern("FALLBACK +DOWN .* SecondaryCluster");
        assertThat(afterFailback).containsPattern("real servers +UP .* PrimaryCluster");
    }

    @Test
    void badPortOffsetIsRefusedWithExitStatusTwo() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();

        int status = MergePacsDemo.run(new String[] {"--port-offset", "60000"}, new PrintStream(bytes, true, StandardCharsets.UTF_8));

        assertThat(status).isEqualTo(2);
        assertThat(bytes.toString(StandardCharsets.UTF_8)).isEmpty();
    }
}
