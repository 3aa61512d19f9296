/**
 * Programs a test runs: {@link io.lb4j.testsupport.process.Command} runs one to completion and finds programs
 * (naming the Debian package of a missing one); {@link io.lb4j.testsupport.process.ChildProcess} is one that keeps
 * running while the test talks to it and reads its output, and is killed with its children when the test ends. The
 * namespace lab starts its hosts' programs through them, and loopback tests their real peers.
 */
package io.lb4j.testsupport.process;
