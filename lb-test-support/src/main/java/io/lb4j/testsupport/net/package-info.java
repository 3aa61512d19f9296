/**
 * The one real TCP server of the tests: {@link io.lb4j.testsupport.net.TestServer} on loopback or any address, one
 * or many ports that stop and come back, each connection served by a {@link io.lb4j.testsupport.net.Handler}
 * (hold, echo, greet, tag lines, bulk transfers checked by SHA-256, or the test's own protocol);
 * {@link io.lb4j.testsupport.net.TestServerMain} runs it as a program inside a namespace lab's host, and
 * {@link io.lb4j.testsupport.net.Transfer} is the client of its bulk transfers.
 */
package io.lb4j.testsupport.net;
