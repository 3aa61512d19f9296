/**
 * Proxy-engine benchmarks: {@link io.lb4j.benchmarks.proxy.TransportHarness} compares the engine's Netty transports
 * (NIO, epoll, io_uring) in one run, on loopback. Never part of the unit-test run.
 */
package io.lb4j.benchmarks.proxy;
