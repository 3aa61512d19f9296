package io.lb4j.engine.proxy;

import java.util.SplittableRandom;

/** A deterministic pseudo-random byte stream from a seed: the same bytes however the reads are chunked. */
final class PatternStream {

    private final SplittableRandom random;
    private final byte[] block = new byte[4096];
    private int pos = block.length;

    PatternStream(long seed) {
        this.random = new SplittableRandom(seed);
    }

    void next(byte[] dst, int off, int len) {
        while (len > 0) {
            if (pos == block.length) {
                random.nextBytes(block);
                pos = 0;
            }
            int n = Math.min(len, block.length - pos);
            System.arraycopy(block, pos, dst, off, n);
            pos += n;
            off += n;
            len -= n;
        }
    }
}
