package io.lb4j.alerts;

import io.lb4j.testsupport.api.ApiSignatureAssert;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

/** Pins this module's public API (its module descriptor and exported packages) to {@code api-signature.txt}. */
class PublicApiSignatureTest {

    @Test
    void thePublicApiIsExactlyTheCheckedInSignature() {
        ApiSignatureAssert.assertMatches(Alerts.class, Path.of("api-signature.txt"));
    }
}
