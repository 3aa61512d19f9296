package io.lb4j.testsupport.api;

import io.lb4j.api.LoadBalancer;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/**
 * Pins lb-api's public API to {@code lb-api/api-signature.txt}. It runs here, not in lb-api: lb-test-support depends
 * on lb-api, so lb-api's tests cannot depend on lb-test-support (a cycle Maven refuses).
 */
class LbApiSignatureTest {

    @Test
    void lbApisPublicApiIsExactlyTheCheckedInSignature() {
        ApiSignatureAssert.assertMatches(LoadBalancer.class, Path.of("..", "lb-api", "api-signature.txt"));
    }
}
