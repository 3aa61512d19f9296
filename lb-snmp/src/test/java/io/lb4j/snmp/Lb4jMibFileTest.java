package io.lb4j.snmp;

import io.lb4j.testsupport.process.Command;
import io.lb4j.testsupport.snmp.NetSnmp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code LB4J-MIB.txt} is SMIv2 that net-snmp's parser reads without a warning, and its numbers are the ones the
 * agent serves ({@link Lb4jMib}).
 */
class Lb4jMibFileTest {

    @TempDir
    Path tmp;

    @Test
    void snmptranslateParsesTheMibWithoutWarnings() throws IOException {
        assertThat(NetSnmp.missingPrograms()).as("net-snmp: apt-get install -y snmpd snmp snmptrapd").isEmpty();

        // -Pw turns the parser's warnings on (-PW would add net-snmp's detailed notes, which flag every SEQUENCE type
        // of every table MIB as "No known translation"); -Pe is left off, so a symbol conflict is an error.
        Command.Result r = translate("-Pw", "-Tp", "LB4J-MIB::lb4jMIB");

        assertThat(r.exitCode()).isZero();
        assertThat(r.output()).startsWith("+--lb4jMIB(4)")
                .doesNotContainIgnoringCase("warning").doesNotContainIgnoringCase("cannot")
                .doesNotContainIgnoringCase("unlinked").doesNotContainIgnoringCase("undefined");
    }

    @Test
    void theMibsNumbersAreTheAgents() throws IOException {
        List<String> names = List.of("lb4jServiceName", "lb4jRealServerState", "lb4jRealServerTotalConnections",
                "lb4jRealServerBytesToServer", "lb4jRealServerBytesToClient", "lb4jNodeVrrpState", "lb4jNotifyServiceName", "lb4jNotifyRealServerName", "lb4jNotifyReason",
                "lb4jNotifyVrrpPreviousState", "lb4jFailover", "lb4jFailback", "lb4jRealServerDown",
                "lb4jRealServerUp", "lb4jVrrpStateChange");
        List<Oid> agent = List.of(Lb4jMib.SERVICE_ENTRY.append(2), Lb4jMib.REAL_SERVER_ENTRY.append(6),
                Lb4jMib.REAL_SERVER_ENTRY.append(10), Lb4jMib.REAL_SERVER_ENTRY.append(12),
                Lb4jMib.REAL_SERVER_ENTRY.append(13), Lb4jMib.NODE_VRRP_STATE, Lb4jMib.NOTIFY_SERVICE_NAME,
                Lb4jMib.NOTIFY_REAL_SERVER_NAME, Lb4jMib.NOTIFY_REASON, Lb4jMib.NOTIFY_VRRP_PREVIOUS_STATE,
                Lb4jMib.FAILOVER, Lb4jMib.FAILBACK, Lb4jMib.REAL_SERVER_DOWN, Lb4jMib.REAL_SERVER_UP,
                Lb4jMib.VRRP_STATE_CHANGE);

        for (int i = 0; i < names.size(); i++) {
            Command.Result r = translate("-On", "LB4J-MIB::" + names.get(i));
            assertThat(r.output().strip()).as(names.get(i)).isEqualTo("." + agent.get(i));
        }
    }

    private Command.Result translate(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("snmptranslate", "-M",
                NetSnmp.mibPath(tmp, Path.of("src/main/mib")), "-m", "LB4J-MIB"));
        command.addAll(List.of(args));
        return Command.attempt(command);
    }
}
