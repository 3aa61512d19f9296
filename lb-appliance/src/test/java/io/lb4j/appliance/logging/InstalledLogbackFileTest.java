package io.lb4j.appliance.logging;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator.ExecutionStatus;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Debian package's {@code /etc/lb4j/logback.xml} ({@code src/deb/etc/logback.xml}) in a Logback context of its
 * own: the log file, the audit log in its own file, and RFC 5424 syslog received by a real UDP socket.
 */
class InstalledLogbackFileTest {

    private static final Path SHIPPED = Path.of("src/deb/etc/logback.xml");

    /** RFC 5424 section 6: PRI VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG. */
    private static final String RFC_5424 =
            "<\\d{1,3}>1 \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z \\S+ lb4j \\d+ (audit|-) - .*";

    @Test
    void writesTheLogAndTheAuditLogToTheirFilesAndBothToSyslogInRfc5424(@TempDir Path logDir) throws Exception {
        try (DatagramSocket syslog = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            syslog.setSoTimeout(5_000);
            LoggerContext context = new LoggerContext();
            // What SLF4J's binding gives the context of the JVM; a context of our own needs it for file appenders.
            context.setMDCAdapter(new LogbackMDCAdapter());
            context.putProperty("lb4j.log.dir", logDir.toString());
            context.putProperty("lb4j.syslog.host", "127.0.0.1");
            context.putProperty("lb4j.syslog.port", Integer.toString(syslog.getLocalPort()));
            assertThat(new EtcLogbackConfigurator(SHIPPED).configure(context))
                    .isEqualTo(ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY);
            try {
                context.getLogger("lb4j.audit").info("user=admin action=halt target=PACS/PrimaryCluster outcome=ok");
                context.getLogger("io.lb4j.engine.proxy.ProxyEngine").warn("connect to 192.0.2.1:104 failed",
                        new IOException("refused", new IllegalStateException("no route")));
                context.getLogger("io.lb4j.engine.proxy.ProxyEngine").debug("below INFO: dropped");

                List<String> received = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    received.add(receive(syslog));
                }
                assertThat(received).allMatch(m -> m.matches(RFC_5424), "RFC 5424: " + RFC_5424);
                // facility DAEMON (3) * 8 + severity: informational 6, warning 4.
                assertThat(received).anySatisfy(m -> assertThat(m).startsWith("<30>1 ")
                        .contains(" lb4j " + ProcessHandle.current().pid() + " audit - lb4j.audit: user=admin"));
                assertThat(received).anySatisfy(m -> assertThat(m).startsWith("<28>1 ")
                        .contains(" - - io.lb4j.engine.proxy.ProxyEngine: connect to 192.0.2.1:104 failed"
                                + " | java.io.IOException: refused | java.lang.IllegalStateException: no route"));
            } finally {
                context.stop();
            }
            String log = Files.readString(logDir.resolve("lb4j.log"));
            String audit = Files.readString(logDir.resolve("audit.log"));
            assertThat(log).contains("WARN ").contains("connect to 192.0.2.1:104 failed")
                    .contains("java.lang.IllegalStateException: no route")
                    .doesNotContain("user=admin").doesNotContain("below INFO");
            assertThat(audit).contains("user=admin action=halt").doesNotContain("connect to");
        }
    }

    @Test
    void stepsAsideWithoutTheFile(@TempDir Path dir) {
        LoggerContext context = new LoggerContext();
        assertThat(new EtcLogbackConfigurator(dir.resolve("logback.xml")).configure(context))
                .isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
        assertThat(((Logger) context.getLogger(Logger.ROOT_LOGGER_NAME)).iteratorForAppenders().hasNext()).isFalse();
    }

    @Test
    void stepsAsideForLogbacksConfigurationFileProperty() {
        String before = System.getProperty(EtcLogbackConfigurator.CONFIGURATION_FILE_PROPERTY);
        System.setProperty(EtcLogbackConfigurator.CONFIGURATION_FILE_PROPERTY, "/elsewhere/logback.xml");
        try {
            LoggerContext context = new LoggerContext();
            assertThat(new EtcLogbackConfigurator(SHIPPED).configure(context))
                    .isEqualTo(ExecutionStatus.INVOKE_NEXT_IF_ANY);
            assertThat(((Logger) context.getLogger(Logger.ROOT_LOGGER_NAME)).iteratorForAppenders().hasNext())
                    .isFalse();
        } finally {
            if (before == null) {
                System.clearProperty(EtcLogbackConfigurator.CONFIGURATION_FILE_PROPERTY);
            } else {
                System.setProperty(EtcLogbackConfigurator.CONFIGURATION_FILE_PROPERTY, before);
            }
        }
    }

    @Test
    void headerFieldsArePrintableAsciiWithoutSpaces() {
        assertThat(Rfc5424SyslogAppender.printable("pacs lb 1\u00e9", 255)).isEqualTo("pacs_lb_1_");
        assertThat(Rfc5424SyslogAppender.printable("", 255)).isEqualTo("-");
        assertThat(Rfc5424SyslogAppender.printable("abcdef", 3)).isEqualTo("abc");
    }

    private static String receive(DatagramSocket socket) throws IOException {
        byte[] buf = new byte[4096];
        DatagramPacket packet = new DatagramPacket(buf, buf.length);
        try {
            socket.receive(packet);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("no syslog message within 5 s", e);
        }
        return new String(packet.getData(), 0, packet.getLength(), StandardCharsets.UTF_8);
    }
}
