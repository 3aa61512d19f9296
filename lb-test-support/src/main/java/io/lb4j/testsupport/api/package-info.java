/**
 * Module boundaries and public APIs, for every library module's tests: {@link io.lb4j.testsupport.api.ApiSignature}
 * dumps what a module exports, {@link io.lb4j.testsupport.api.ApiSignatureAssert} compares it with the module's
 * checked-in {@code api-signature.txt} and says how to accept an intended change,
 * {@link io.lb4j.testsupport.api.ClassPathModules} gives a test that compiles against or starts a JVM on the module
 * path the modules of its own class path, and {@link io.lb4j.testsupport.api.JavaProgram} runs a one-file program
 * in a JVM of its own, loaded as a user would load it.
 */
package io.lb4j.testsupport.api;
