package dev.peftbench.cli;

import dev.peftbench.engine.TokenListener;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * When each token of one stream arrived ({@link System#nanoTime}), for {@code bench}: the gaps between
 * tokens, and which tokens came after a given moment. Written by the scheduler thread, read after the
 * stream ended (its result's future orders the two).
 */
final class TokenTimes implements TokenListener {

    private final long[] times;
    private final CountDownLatch firstTokens;
    private int count;

    /** @param firstTokens counted down once, when the first token comes */
    TokenTimes(int capacity, CountDownLatch firstTokens) {
        this.times = new long[capacity];
        this.firstTokens = firstTokens;
    }

    @Override
    public void onToken(int tokenId, String delta) {
        if (count < times.length) {
            times[count] = System.nanoTime();
        }
        if (count++ == 0) {
            firstTokens.countDown();
        }
    }

    int count() {
        return Math.min(count, times.length);
    }

    long first() {
        return times[0];
    }

    long last() {
        return times[count() - 1];
    }

    /** Tokens that arrived after {@code nanos}. */
    int countAfter(long nanos) {
        int n = 0;
        for (int i = 0; i < count(); i++) {
            n += times[i] > nanos ? 1 : 0;
        }
        return n;
    }

    /** The gaps between consecutive tokens, in nanoseconds. */
    long[] gaps() {
        long[] gaps = new long[Math.max(0, count() - 1)];
        for (int i = 0; i < gaps.length; i++) {
            gaps[i] = times[i + 1] - times[i];
        }
        return gaps;
    }

    /** The longest gap between consecutive tokens; 0 with fewer than two. */
    long longestGap() {
        return Arrays.stream(gaps()).max().orElse(0);
    }
}
