/**
 * The one network-namespace lab of the tests and the benchmarks: {@link io.lb4j.testsupport.netns.NetnsLab} builds
 * hosts on a bridge in a namespace of its own (addresses, a direct-routing VIP on {@code lo}, sysctls, routes), and
 * removes all of it again; a {@link io.lb4j.testsupport.netns.Host} runs commands, Java mains and captures inside
 * one host. Root only; tests that use it run under {@code flock /tmp/lb4j-netns.lock}.
 */
package io.lb4j.testsupport.netns;
