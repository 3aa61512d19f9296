package io.lb4j.api.internal;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.InetAddress;

import static org.assertj.core.api.Assertions.assertThat;

/** The one way lb4j writes an address: RFC 5952 for IPv6, no scope; brackets with a port. */
class AddressesTest {

    @ParameterizedTest(name = "{0} is written {1}")
    @CsvSource({
            "192.168.100.110,              192.168.100.110",
            "::1,                          ::1",
            "::,                           ::",
            "FD00:0:0:0:0:0:0:110,         fd00::110",
            "2001:db8:0:0:1:0:0:1,         2001:db8::1:0:0:1",       // the first of two equal runs
            "2001:db8:0:1:0:0:0:1,         2001:db8:0:1::1",         // the longest run, not the first
            "2001:db8:0:1:1:1:1:1,         2001:db8:0:1:1:1:1:1",    // one zero group stays 0
            "fe80::1%1,                    fe80::1",                 // no scope
            "1:0:0:0:0:0:0:0,              1::",
            "::ffff:0:c000:0280,           ::ffff:0:c000:280",       // leading zeros dropped
    })
    void writesTheAddressInItsShortForm(String literal, String expected) {
        assertThat(Addresses.text(InetAddress.ofLiteral(literal))).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} port {1} is written {2}")
    @CsvSource({
            "192.0.2.7,   104,   192.0.2.7:104",
            "fd00::110,   8080,  [fd00::110]:8080",
    })
    void bracketsAnIpv6AddressBeforeItsPort(String literal, int port, String expected) {
        assertThat(Addresses.hostPort(InetAddress.ofLiteral(literal), port)).isEqualTo(expected);
    }
}
