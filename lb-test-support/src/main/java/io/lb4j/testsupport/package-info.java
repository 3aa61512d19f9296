/**
 * What every module's tests share: the namespace lab builder, the loopback test server, the manual clock.
 */
package io.lb4j.testsupport;
