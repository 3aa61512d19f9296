package io.lb4j.admin;

import io.lb4j.api.HealthCheck;
import io.lb4j.api.LoadBalancer;
import io.lb4j.api.VirtualService;
import io.lb4j.engine.proxy.ProxyEngine;
import io.lb4j.testsupport.net.Handler;
import io.lb4j.testsupport.net.TestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The operator's manual failover from the appliance guide, in a real headless Chromium against a real balancer on
 * the proxy engine: VIP 127.0.0.1, primary cluster 127.0.0.2, fallback 127.0.0.3, each a real listener that greets
 * a connection with its own address. Log in, see PACS and PrimaryCluster, press Halt, see the row turn halted and a
 * new TCP connection through the VIP reach the fallback, press Online, see traffic return; a change made outside
 * the page (through the Java API) shows up live. The node is shown as one of a clustered pair: the "Clustered pair"
 * panel shows its VRRP state and follows each transition the embedder pushes ({@link AdminServer#pairChanged()}),
 * and hides when there is no pair. Leaves a screenshot in {@code target/system-overview.png}; with
 * {@code -Dlb4j.docs.screenshot=true} it also refreshes the README's {@code docs/system-overview.png} (so an ordinary
 * test run never changes tracked files).
 */
class SystemOverviewBrowserTest {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final String PASSWORD = "s3cret-for-the-browser-test";

    @TempDir
    Path tmp;

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void tearDown() {
        for (AutoCloseable c : closeables.reversed()) {
            try {
                c.close();
            } catch (Exception e) {
                // teardown: keep closing the rest
            }
        }
    }

    @Test
    void operatorHaltsThePrimaryInTheBrowserAndTrafficMovesToTheFallbackAndBack() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "skipped: /usr/bin/chromium is not installed"
                + " (apt-get install -y chromium chromium-driver)");
        assertThat(CHROMEDRIVER).as("chromium is installed but chromedriver is not: apt-get install -y chromium-driver")
                .isExecutable();

        int[] ports = freePorts(2);
        LoadBalancer lb = startPacs(ports);
        // What an embedder running VRRP hands over (lb-admin knows nothing of lb-ha): this node starts as backup.
        PairStatus backup = new PairStatus("BACKUP", 51, 150, List.of("127.0.0.1"), "primary", "127.0.0.9",
                Instant.parse("2026-11-26T08:00:00Z"), "STARTUP");
        AtomicReference<Optional<PairStatus>> pair = new AtomicReference<>(Optional.of(backup));
        // The periodic status is an hour apart, so every live change below can only come from a pushed event.
        AdminServer admin = AdminServer.builder().balancer(lb).bind("127.0.0.1", 0)
                .users(List.of(AdminUser.withPassword("operator", PASSWORD.toCharArray())))
                .selfSignedCertificate(tmp.resolve("tls")).statusInterval(Duration.ofHours(1))
                .pairStatus(pair::get)
                .build().start();
        closeables.add(admin);
        WebDriver browser = chromium();
        closeables.add(browser::quit);

        // The login page, then the overview with the PACS service and its primary cluster, up.
        logIn(browser, admin);
        By primaryRow = By.cssSelector("tr.real[data-service='PACS'][data-real='PrimaryCluster']");
        By fallbackRow = By.cssSelector("tr.fallback[data-service='PACS']");
        waitUntil("PrimaryCluster shown up", () -> hasClass(browser, primaryRow, "state-UP"));
        assertThat(browser.findElement(By.cssSelector("tr.service[data-service='PACS']")).getText())
                .contains("PACS").contains("127.0.0.1").contains("TCP").contains("Proxy");
        assertThat(browser.findElement(primaryRow).getText()).contains("PrimaryCluster").contains("127.0.0.2")
                .contains("weight 100");
        assertThat(connectThroughVip(ports[0])).isEqualTo("127.0.0.2:" + ports[0]);
        assertThat(browser.findElement(By.id("cluster")).isDisplayed()).as("not in a cluster: no cluster panel")
                .isFalse();

        // The clustered pair panel: this node is backup, with its VRRP settings and why.
        By pairPanel = By.id("pair");
        waitUntil("the pair panel shown BACKUP", () -> "BACKUP".equals(attribute(browser, pairPanel, "data-state")));
        assertThat(browser.findElement(pairPanel).isDisplayed()).isTrue();
        assertThat(browser.findElement(By.id("pair-row")).getText()).contains("BACKUP").contains("51").contains("150")
                .contains("127.0.0.1").contains("primary").contains("127.0.0.9").contains("(STARTUP)");
        // The peer resigns: the embedder's VRRP listener pushes the change; the open page follows without a reload.
        pair.set(Optional.of(backup.withState("MASTER", Instant.now(), "MASTER_RESIGNED")));
        admin.pairChanged();
        waitUntil("the pair panel shown MASTER via the event stream", () -> "MASTER".equals(
                attribute(browser, pairPanel, "data-state")));
        assertThat(browser.findElement(By.id("pair-state")).getText()).isEqualTo("MASTER");
        assertThat(browser.findElement(By.id("pair-reason")).getText())
                .isEqualTo("the master resigned (priority-0 advert) (MASTER_RESIGNED)");
        assertThat(hasClass(browser, By.id("pair-row"), "pair-MASTER")).isTrue();
        assertThat(browser.getTitle()).isEqualTo("lb4j · MASTER · System Overview");
        // Replication to the peer goes stale: a red row in the pair panel, with the detail the operator needs.
        assertThat(browser.findElement(By.id("pair-links")).isDisplayed()).as("no links: no table").isFalse();
        pair.set(Optional.of(backup.withState("MASTER", Instant.now(), "MASTER_RESIGNED").withLinks(List.of(
                new PairStatus.Link("CONFIG_PUBLISHER", "127.0.0.9:7790", "STALE", Instant.now(),
                        "the secondary holds 42:1, newer than this primary's 1:1")))));
        admin.pairChanged();
        By staleRow = By.cssSelector("#pair-links tr[data-channel='CONFIG_PUBLISHER']");
        waitUntil("the stale replication link shown", () -> !browser.findElements(staleRow).isEmpty());
        assertThat(browser.findElement(staleRow).getText()).contains("Config to the secondary")
                .contains("127.0.0.9:7790").contains("STALE").contains("the secondary holds 42:1");
        assertThat(hasClass(browser, staleRow, "link-error")).isTrue();

        // Halt: the row turns halted, the fallback becomes active, and a new connection reaches the fallback.
        browser.findElement(primaryRow).findElement(By.cssSelector("button[data-action='halt']")).click();
        waitUntil("PrimaryCluster shown halted", () -> hasClass(browser, primaryRow, "state-HALTED"));
        waitUntil("the fallback shown active", () -> hasClass(browser, fallbackRow, "fallback-active"));
        assertThat(browser.findElement(primaryRow).getText()).contains("halted");
        assertThat(connectThroughVip(ports[0])).isEqualTo("127.0.0.3:" + ports[0]);
        assertThat(connectThroughVip(ports[1])).isEqualTo("127.0.0.3:" + ports[1]);
        waitUntil("the timeline and event list show the halt", () -> browser.findElements(
                By.cssSelector("#events-body tr[data-type='Halted']")).size() == 1
                && !browser.findElements(By.cssSelector("#timeline svg rect")).isEmpty());
        screenshot((org.openqa.selenium.TakesScreenshot) browser, "system-overview.png");

        // Online: back to the primary cluster.
        browser.findElement(primaryRow).findElement(By.cssSelector("button[data-action='online']")).click();
        waitUntil("PrimaryCluster shown up again", () -> hasClass(browser, primaryRow, "state-UP"));
        waitUntil("the fallback shown on standby", () -> !hasClass(browser, fallbackRow, "fallback-active"));
        assertThat(connectThroughVip(ports[0])).isEqualTo("127.0.0.2:" + ports[0]);

        // A drain through the Java API (another operator, a script) reaches the open page live, without a reload.
        lb.drain("PACS", "PrimaryCluster");
        waitUntil("PrimaryCluster shown draining via the event stream", () -> hasClass(browser, primaryRow,
                "state-DRAINING"));
        lb.online("PACS", "PrimaryCluster");
        waitUntil("PrimaryCluster shown up via the event stream", () -> hasClass(browser, primaryRow, "state-UP"));

        // No pair any more (the embedder's supplier is empty): the panel hides.
        pair.set(Optional.empty());
        admin.pairChanged();
        waitUntil("the pair panel hidden", () -> !browser.findElement(pairPanel).isDisplayed());
        assertThat(browser.getTitle()).isEqualTo("lb4j · System Overview");

        assertThat(admin.auditLog()).extracting(AuditEntry::action).containsSubsequence("login", "halt", "online");
    }

    /**
     * A node of an active-active cluster: the cluster panel shows each VIP's route (announced), the routing daemon's
     * settings, and a Drain button. The operator drains the node from the page: the routes are withdrawn (the node's
     * control says why), the button turns into Undrain, and the drain is audited. An undrain made elsewhere (another
     * operator, the API) reaches the open page through the pushed {@code event: cluster}. Leaves
     * {@code target/cluster-panel.png}.
     */
    @Test
    void operatorDrainsTheClusterNodeFromThePageAndAnUndrainElsewhereShowsLive() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "skipped: /usr/bin/chromium is not installed"
                + " (apt-get install -y chromium chromium-driver)");
        LoadBalancer lb = startPacs(freePorts(1));
        ClusterApiTest.StandInControl control = new ClusterApiTest.StandInControl();
        AdminServer admin = AdminServer.builder().balancer(lb).bind("127.0.0.1", 0)
                .users(List.of(AdminUser.withPassword("operator", PASSWORD.toCharArray())))
                .selfSignedCertificate(tmp.resolve("tls")).statusInterval(Duration.ofHours(1))
                .cluster(control)
                .build().start();
        closeables.add(admin);
        WebDriver browser = chromium();
        closeables.add(browser::quit);

        logIn(browser, admin);
        By panel = By.id("cluster");
        By v4 = By.cssSelector("#cluster-body tr[data-vip='192.0.2.100']");
        By v6 = By.cssSelector("#cluster-body tr[data-vip='2001:db8::100']");
        waitUntil("the cluster panel shows the routes announced", () -> "ANNOUNCED".equals(
                attribute(browser, v4, "data-state")) && "ANNOUNCED".equals(attribute(browser, v6, "data-state")));
        assertThat(browser.findElement(panel).isDisplayed()).isTrue();
        assertThat(browser.findElement(By.id("pair")).isDisplayed()).as("a cluster node need not be one of a pair")
                .isFalse();
        assertThat(browser.findElement(By.id("cluster-detail")).getText())
                .isEqualTo("bird at /run/bird/bird.ctl, AS 65001, BFD on; neighbours 192.0.2.1 (AS 65000)");
        assertThat(browser.findElement(v4).getText()).contains("192.0.2.100").contains("announced")
                .contains("serving: the engine runs and a real server or the fallback is up (SERVING)");
        assertThat(browser.findElement(By.id("cluster-undrain")).isDisplayed()).isFalse();

        // Drain from the page: the node's routes are withdrawn, and the page says so and why.
        browser.findElement(By.id("cluster-drain")).click();
        waitUntil("the routes shown withdrawn", () -> "WITHDRAWN".equals(attribute(browser, v4, "data-state"))
                && "WITHDRAWN".equals(attribute(browser, v6, "data-state")));
        assertThat(control.calls).containsExactly("drain");
        assertThat(browser.findElement(v6).getText()).contains("withdrawn")
                .contains("an operator drained this node (DRAINED)");
        assertThat(browser.findElement(panel).getAttribute("data-drained")).isEqualTo("true");
        assertThat(browser.findElement(By.id("cluster-detail")).getText())
                .startsWith("Drained: every route withdrawn until an operator undrains.");
        assertThat(browser.findElement(By.id("cluster-drain")).isDisplayed()).isFalse();
        assertThat(browser.findElement(By.id("cluster-undrain")).isDisplayed()).isTrue();
        assertThat(browser.findElement(By.id("message")).getText()).isEqualTo("drain this node: done");
        waitUntil("the audit entries show the drain", () -> !browser.findElements(
                By.cssSelector("#audit-body tr[data-action='cluster.drain']")).isEmpty());
        screenshot(browser.findElement(panel), "cluster-panel.png");

        // Undrained elsewhere: the embedder pushes the change, the open page follows without a reload.
        control.undrain();
        admin.clusterChanged();
        waitUntil("the routes shown announced again via the event stream", () -> "ANNOUNCED".equals(
                attribute(browser, v4, "data-state")));
        assertThat(browser.findElement(By.id("cluster-drain")).isDisplayed()).isTrue();
        assertThat(admin.auditLog()).extracting(AuditEntry::action, AuditEntry::outcome)
                .contains(org.assertj.core.groups.Tuple.tuple("cluster.drain", "ok"));
    }

    /**
     * The last check per port in the real servers table: a connect check on both ports of a server that listens on
     * one. Its row names the closed port with its reason (and the open one as ok when it had answered by then), each
     * with its connect latency, on a line of its own under the server's label.
     */
    @Test
    void showsEachPortOfTheLastCheckWithItsReasonAndLatency() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "skipped: /usr/bin/chromium is not installed"
                + " (apt-get install -y chromium chromium-driver)");
        int[] ports = freePorts(2);
        TestServer primary = listeners("127.0.0.2", new int[] {ports[0]});   // ports[1] closed
        closeables.add(primary);
        LoadBalancer lb = LoadBalancer.builder().engine(ProxyEngine.builder().ioThreads(1).build())
                .service(VirtualService.proxy().label("PACS").address("127.0.0.1").ports(ports)
                        .real("PrimaryCluster", "127.0.0.2", r -> r.weight(100))
                        .healthCheck(HealthCheck.connect().allPorts().interval(Duration.ofMillis(500)).failAfter(1))
                        .build())
                .build();
        lb.start();
        closeables.add(() -> lb.stop(Duration.ofSeconds(1)));
        AdminServer admin = AdminServer.builder().balancer(lb).bind("127.0.0.1", 0)
                .users(List.of(AdminUser.withPassword("operator", PASSWORD.toCharArray())))
                .selfSignedCertificate(tmp.resolve("tls")).build().start();
        closeables.add(admin);
        WebDriver browser = chromium();
        closeables.add(browser::quit);

        logIn(browser, admin);
        By primaryRow = By.cssSelector("tr.real[data-service='PACS'][data-real='PrimaryCluster']");
        By portsLine = By.cssSelector("tr.real[data-service='PACS'][data-real='PrimaryCluster'] .ports");
        waitUntil("PrimaryCluster shown down", () -> hasClass(browser, primaryRow, "state-DOWN"));
        waitUntil("the per-port line shown", () -> !browser.findElements(portsLine).isEmpty()
                && !browser.findElement(portsLine).getText().isEmpty());

        // The refused port decides the attempt at once; the open one is listed (ok) when it had answered by then.
        String line = browser.findElement(portsLine).getText();
        assertThat(line).as("the ports in order, the closed one with its reason, each with its latency")
                .matches("(" + ports[0] + " ok \\d+\\.\\d ms \u00b7 )?" + ports[1]
                        + " connection refused \\d+\\.\\d ms");
        WebElement check = browser.findElement(primaryRow).findElement(By.cssSelector(".check"));
        assertThat(browser.findElement(portsLine).getRect().getY()).as("on its own line under the label")
                .isGreaterThanOrEqualTo(check.getRect().getY() + check.getRect().getHeight());
        assertThat(browser.findElement(primaryRow).getText()).contains("(port " + ports[1] + ": connection refused)");
    }

    /** The login page, filled in and sent as the operator. */
    private static void logIn(WebDriver browser, AdminServer admin) {
        browser.get(admin.uri().toString());
        waitUntil("the login form", () -> browser.findElement(By.id("username")).isDisplayed());
        browser.findElement(By.id("username")).sendKeys("operator");
        browser.findElement(By.id("password")).sendKeys(PASSWORD);
        browser.findElement(By.id("login")).click();
    }

    private static String attribute(WebDriver browser, By element, String name) {
        try {
            List<WebElement> found = browser.findElements(element);
            return found.isEmpty() ? null : found.getFirst().getAttribute(name);
        } catch (WebDriverException e) {
            return null; // being replaced; ask again
        }
    }

    /**
     * The page for people who look, in the browser: charts of the last hour drawn by the vendored uPlot with real
     * samples of real connections, the failover timeline zoomed so a failover seconds old fills the window, the two
     * nodes of the pair side by side, the audit entries, and backup and restore: a bad file is refused with the line
     * and column and nothing applied, a good one applied and listed in the history, and a rollback from there.
     * Leaves {@code target/overview-charts.png} and {@code target/backup-restore.png} (and with
     * {@code -Dlb4j.docs.screenshot=true} the README's copies in {@code docs/}).
     */
    @Test
    void chartsTheZoomedTimelineThePairSideBySideAndBackupAndRestore() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "skipped: /usr/bin/chromium is not installed"
                + " (apt-get install -y chromium chromium-driver)");
        int[] ports = freePorts(1);
        LoadBalancer lb = startPacs(ports);
        PairStatus master = new PairStatus("MASTER", 51, 150, List.of("127.0.0.1"), "primary", "127.0.0.9",
                Instant.now(), "MASTER_DOWN").withLinks(List.of(new PairStatus.Link("CONFIG_PUBLISHER",
                "127.0.0.9:7790", "OK", Instant.now(), "the secondary holds 1:3")));
        // A sample every 300 ms, so the charts have a line within seconds.
        AdminServer admin = AdminServer.builder().balancer(lb).bind("127.0.0.1", 0)
                .users(List.of(AdminUser.withPassword("operator", PASSWORD.toCharArray())))
                .selfSignedCertificate(tmp.resolve("tls")).chartSampling(Duration.ofMillis(300), 720)
                .pairStatus(() -> Optional.of(master))
                .build().start();
        closeables.add(admin);
        // Real connections through the VIP, held open: what the connections chart shows.
        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Socket c = new Socket();
            c.connect(new InetSocketAddress("127.0.0.1", ports[0]), 2000);
            clients.add(c);
            closeables.add(c);
        }
        WebDriver browser = chromium();
        closeables.add(browser::quit);
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 2600));
        JavascriptExecutor js = (JavascriptExecutor) browser;

        logIn(browser, admin);
        By primaryRow = By.cssSelector("tr.real[data-service='PACS'][data-real='PrimaryCluster']");
        waitUntil("PrimaryCluster shown up", () -> hasClass(browser, primaryRow, "state-UP"));

        // The pair: both nodes side by side, this one master, the peer backup with its address.
        WebElement self = browser.findElement(By.id("node-self"));
        WebElement peer = browser.findElement(By.id("node-peer"));
        waitUntil("both nodes shown", () -> "MASTER".equals(attribute(browser, By.id("node-self"), "data-state")));
        assertThat(peer.getAttribute("data-state")).isEqualTo("BACKUP");
        assertThat(self.getText()).contains("This node").contains("MASTER").contains("VRID 51, priority 150");
        assertThat(peer.getText()).contains("Peer").contains("BACKUP").contains("127.0.0.9").contains("replication OK");
        assertThat(peer.getRect().getX()).as("side by side").isGreaterThan(self.getRect().getX() + self.getRect()
                .getWidth() / 2);
        assertThat(peer.getRect().getY()).isEqualTo(self.getRect().getY());

        // Halt the primary: the service fails over to the fallback. The timeline zooms to that failover.
        browser.findElement(primaryRow).findElement(By.cssSelector("button[data-action='halt']")).click();
        waitUntil("the fallback shown active", () -> hasClass(browser, By.cssSelector("tr.fallback[data-service="
                + "'PACS']"), "fallback-active"));
        By latest = By.cssSelector("#timeline rect.latest-failover");
        waitUntil("the latest failover marked on the timeline", () -> !browser.findElements(latest).isEmpty());
        long at = Long.parseLong(browser.findElement(latest).getAttribute("data-at"));
        WebElement timeline = browser.findElement(By.cssSelector("#timeline svg"));
        long from = Long.parseLong(timeline.getAttribute("data-from"));
        long to = Long.parseLong(timeline.getAttribute("data-to"));
        assertThat(at).as("the latest failover inside the visible window").isBetween(from, to);
        assertThat(to - from).as("zoomed: a minute or two, not the 3 hours that drew it as a sliver")
                .isLessThanOrEqualTo(120_000);
        // The fallback lane's "on fallback" stretch since the failover is wide enough to see (here: >= 5 % of it).
        // (A failover a second old is 1/30 of the smallest window: wait until it is a few seconds old and its
        // stretch a quarter of the width, as an operator sees it a moment later, and the screenshot shows it.)
        waitUntil("the on-fallback stretch at least 200 of the timeline's 800 units wide", () -> ((Number) js
                .executeScript("let w = 0; for (const r of document.querySelectorAll('#timeline svg rect.known'))"
                        + " if (r.getAttribute('fill') === '#8e44ad') w = Math.max(w, r.getBBox().width); return w;"))
                .doubleValue() > 200);
        WebElement zoomed = browser.findElement(By.cssSelector("#timeline svg"));
        assertThat(Long.parseLong(zoomed.getAttribute("data-to")) - Long.parseLong(zoomed.getAttribute("data-from")))
                .as("still zoomed").isLessThanOrEqualTo(120_000);

        // The charts: uPlot's canvases with the samples drawn; the connections line at 3.
        for (String id : List.of("chart-connections", "chart-bytes", "chart-check", "chart-up")) {
            waitUntil(id + " drawn with samples", () -> {
                String n = attribute(browser, By.id(id), "data-points");
                return n != null && Integer.parseInt(n) >= 5
                        && !browser.findElements(By.cssSelector("#" + id + " canvas")).isEmpty();
            });
        }
        waitUntil("the connections chart's line drawn on its canvas", () -> strokePixels(js, "chart-connections")
                > 100);
        assertThat(strokePixels(js, "chart-up")).as("the servers-up chart's line").isGreaterThan(100);
        // Bytes: each server greets its connections with a line; the proxy engine counts them per real server.
        assertThat(strokePixels(js, "chart-bytes")).as("the throughput chart's line").isGreaterThan(100);
        // The connect check every 500 ms: its mean time per sampling interval.
        waitUntil("the health-check time chart's line", () -> strokePixels(js, "chart-check") > 100);
        assertThat(browser.findElement(By.id("chart-connections")).getText()).contains("PACS");
        waitUntil("the audit entries show the halt", () -> !browser.findElements(
                By.cssSelector("#audit-body tr[data-action='halt']")).isEmpty());
        screenshot(browser.findElement(By.id("overview")), "overview-charts.png");

        // Backup and restore: a bad file is refused, located, and applies nothing.
        waitUntil("the history shows the start", () -> browser.findElements(By.cssSelector("#history-body tr"))
                .size() == 1);
        Path bad = tmp.resolve("broken.json");
        Files.writeString(bad, "{\"services\": [\n  {\"label\": }\n]}\n");
        browser.findElement(By.id("restore-file")).sendKeys(bad.toString());
        browser.findElement(By.id("restore")).click();
        waitUntil("the upload's error shown", () -> browser.findElement(By.id("restore-error")).getText()
                .contains("Nothing was applied"));
        assertThat(browser.findElement(By.id("restore-error")).getText())
                .startsWith("Restore of broken.json: line 2, column ");
        assertThat(lb.services()).hasSize(1);
        assertThat(browser.findElements(By.cssSelector("#history-body tr"))).hasSize(1);
        // A good file: the running one plus a service. Applied, and in the history with who and what changed.
        String running = ConfigCodec.json().encode(lb.services());
        VirtualService ris = VirtualService.proxy().label("RIS").address("127.0.0.1").ports(freePorts(1)[0])
                .real("RisPrimary", "127.0.0.2").healthCheck(HealthCheck.none()).build();
        List<VirtualService> more = new ArrayList<>(ConfigCodec.json().decode(running));
        more.add(ris);
        Path good = tmp.resolve("with-ris.json");
        Files.writeString(good, ConfigCodec.json().encode(more));
        browser.findElement(By.id("restore-file")).sendKeys(good.toString());
        browser.findElement(By.id("restore")).click();
        waitUntil("the upload applied", () -> browser.findElement(By.id("restore-result")).getText()
                .contains("added service \"RIS\""));
        assertThat(browser.findElement(By.id("restore-error")).getText()).isEmpty();
        assertThat(lb.services()).extracting(VirtualService::label).containsExactly("PACS", "RIS");
        waitUntil("the history lists it", () -> browser.findElements(By.cssSelector("#history-body tr")).size() == 2);
        assertThat(browser.findElement(By.cssSelector("#history-body tr.current")).getText())
                .contains("#2").contains("operator").contains("uploaded").contains("added service \"RIS\"");
        screenshot(browser.findElement(By.id("backup")), "backup-restore.png");
        // Roll back to the configuration at start.
        browser.findElement(By.cssSelector("#history-body button[data-rollback='1']")).click();
        waitUntil("rolled back", () -> browser.findElement(By.id("restore-result")).getText()
                .contains("rolled back to #1: removed service \"RIS\""));
        assertThat(lb.services()).extracting(VirtualService::label).containsExactly("PACS");
        assertThat(admin.auditLog()).extracting(AuditEntry::action).containsSubsequence("halt", "config.restore",
                "config.restore", "config.rollback");
        for (Socket c : clients) {
            c.close();
        }
    }

    /** Pixels of the first series' colour (#1f77b4) on a chart's canvas: the line uPlot drew. */
    private static long strokePixels(JavascriptExecutor js, String chart) {
        Object n = js.executeScript("const c = document.querySelector('#' + arguments[0] + ' canvas');"
                + " if (!c) return 0; const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;"
                + " let n = 0; for (let i = 0; i < d.length; i += 4) { if (Math.abs(d[i] - 0x1f) < 30"
                + " && Math.abs(d[i + 1] - 0x77) < 30 && Math.abs(d[i + 2] - 0xb4) < 30 && d[i + 3] > 100) n++; }"
                + " return n;", chart);
        return ((Number) n).longValue();
    }

    private WebDriver chromium() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--ignore-certificate-errors", "--window-size=1280,1000", "--user-data-dir=" + tmp.resolve("profile"),
                "--disable-dev-shm-usage");
        // The Debian driver, never a downloaded one: Selenium Manager is not consulted when the path is given.
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
        return new ChromeDriver(service, options);
    }

    private static boolean hasClass(WebDriver browser, By row, String cls) {
        try {
            List<WebElement> found = browser.findElements(row);
            return !found.isEmpty() && (" " + found.getFirst().getAttribute("class") + " ").contains(" " + cls + " ");
        } catch (WebDriverException e) {
            return false; // the row was being replaced; ask again
        }
    }

    private static void waitUntil(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out after 15 s waiting for " + what);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
    }

    private static void screenshot(org.openqa.selenium.TakesScreenshot what, String name) throws IOException {
        byte[] png = what.getScreenshotAs(OutputType.BYTES);
        Path module = Path.of("").toAbsolutePath();
        Path target = module.resolve("target/" + name);
        Files.createDirectories(target.getParent());
        Files.write(target, png);
        Path root = module.getParent();
        if (Boolean.getBoolean("lb4j.docs.screenshot") && root != null && Files.exists(root.resolve("pom.xml"))
                && Files.isDirectory(root.resolve("lb-admin"))) {
            Path docs = root.resolve("docs");
            Files.createDirectories(docs);
            Files.copy(target, docs.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** A new connection from a client to the VIP; returns the greeting, i.e. which cluster it reached. */
    private static String connectThroughVip(int port) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.setSoTimeout(5000);
            String line = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                    .readLine();
            if (line == null) {
                throw new IOException("VIP port " + port + ": closed without reaching a server");
            }
            return line;
        }
    }

    /**
     * The PACS service on {@code ports} of the VIP 127.0.0.1, its primary cluster 127.0.0.2 and fallback 127.0.0.3
     * listening on the same ports, started; all of it closed after the test.
     */
    private LoadBalancer startPacs(int[] ports) throws IOException {
        closeables.add(listeners("127.0.0.2", ports));
        closeables.add(listeners("127.0.0.3", ports));
        LoadBalancer lb = LoadBalancer.builder().engine(ProxyEngine.builder().ioThreads(1).build())
                .service(VirtualService.proxy().label("PACS").address("127.0.0.1").ports(ports)
                        .real("PrimaryCluster", "127.0.0.2", r -> r.weight(100))
                        .fallback("127.0.0.3")
                        .healthCheck(HealthCheck.connect().allPorts().interval(Duration.ofMillis(500)).failAfter(3)
                                .riseAfter(1))
                        .build())
                .build();
        lb.start();
        closeables.add(() -> lb.stop(Duration.ofSeconds(1)));
        return lb;
    }

    private static int[] freePorts(int n) throws IOException {
        int[] ports = new int[n];
        List<ServerSocket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
                held.add(s);
                ports[i] = s.getLocalPort();
            }
        } finally {
            for (ServerSocket s : held) {
                s.close();
            }
        }
        return ports;
    }

    /** Real listeners on one loopback address that greet each connection with "address:port\n" and hold it. */
    private static TestServer listeners(String address, int[] ports) {
        return TestServer.start(InetAddress.ofLiteral(address), Arrays.stream(ports).boxed().toList(),
                Handler.greetWithLocalAddress().then(Handler.hold()));
    }
}
