package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.PrefixCacheStats;
import dev.peftbench.engine.tensor.KvCache;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.Arrays;

import static dev.peftbench.engine.tensor.cpu.KvBlockPool.BLOCK;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The pool's blocks as a prefix cache: lookups by content and adapter, reference counts, LRU eviction under the cap. */
class KvBlockPoolTest {

    private static final int LAYERS = 2;
    private static final int HEADS = 2;
    private static final int HEAD_DIM = 4;
    private static final long BLOCK_BYTES = 2L * LAYERS * HEADS * BLOCK * HEAD_DIM * Float.BYTES;
    private static final long SCOPE = 7;

    private final KvBlockPool pool = new KvBlockPool(LAYERS, HEADS, HEAD_DIM);

    /** Ids {@code from, from + 1, ...}: {@code n} keys. */
    private static int[] ids(int from, int n) {
        int[] ids = new int[n];
        Arrays.setAll(ids, i -> from + i);
        return ids;
    }

    private static int[] join(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** A sequence with {@code keys} as its input: prefix looked up, the rest written (each value its key) and committed. */
    private CpuKvCache run(long scope, int[] keys, int capacity) {
        CpuKvCache cache = new CpuKvCache(pool, capacity);
        int reused = cache.reusePrefix(scope, keys);
        int[] rest = Arrays.copyOfRange(keys, reused, keys.length);
        cache.reserve(keys.length);
        for (int p = reused; p < keys.length; p++) {
            write(cache, p, keys[p]);
        }
        cache.advance(rest);
        return cache;
    }

    private static void write(CpuKvCache cache, int position, float value) {
        float[] kv = new float[2 * HEAD_DIM];
        Arrays.fill(kv, value);
        for (int l = 0; l < LAYERS; l++) {
            for (int h = 0; h < HEADS; h++) {
                cache.write(l, h, position, kv, 0, HEAD_DIM);
            }
        }
    }

    private static float value(CpuKvCache cache, int position) {
        return cache.values(position).getAtIndex(ValueLayout.JAVA_FLOAT, cache.valueSlot(LAYERS - 1, HEADS - 1, position));
    }

    @Test
    void aPromptSharingFullBlocksWithAnEarlierOneReadsTheSameBlocksAndComputesOnlyTheRest() {
        pool.keepIdle(64 * BLOCK_BYTES);
        int[] shared = ids(100, 2 * BLOCK + 5);
        CpuKvCache first = run(SCOPE, join(shared, ids(500, 3)), 64);
        first.close();

        CpuKvCache second = new CpuKvCache(pool, 64);
        int reused = second.reusePrefix(SCOPE, join(shared, ids(900, 10)));

        assertEquals(2 * BLOCK, reused, "the two full blocks; the partial third is computed again");
        assertEquals(2 * BLOCK, second.length());
        assertEquals(100 + BLOCK + 3, value(second, BLOCK + 3), "the first sequence's values, not a copy of nothing");
        PrefixCacheStats stats = pool.stats();
        assertEquals(2, stats.hitBlocks());
        assertEquals(2 * BLOCK, stats.hitPositions());
        assertEquals(2 + 0, stats.missedBlocks(), "the first sequence looked up two blocks and found none");
        assertEquals(40 + (47 - 2 * BLOCK), stats.missedPositions(), "all of the first prompt, the rest of the second");
    }

    @Test
    void aPromptThatIsAllCachedStillComputesItsLastPosition() {
        pool.keepIdle(64 * BLOCK_BYTES);
        int[] prompt = ids(1, 2 * BLOCK);
        run(SCOPE, prompt, 64).close();

        CpuKvCache again = new CpuKvCache(pool, 64);

        assertEquals(BLOCK, again.reusePrefix(SCOPE, prompt), "the last block holds the position whose logits are wanted");
    }

    @Test
    void blocksComputedWithAnotherAdapterAreNeverFound() {
        pool.keepIdle(64 * BLOCK_BYTES);
        int[] prompt = ids(1, 3 * BLOCK);
        run(SCOPE, prompt, 64).close();

        assertEquals(0, new CpuKvCache(pool, 64).reusePrefix(SCOPE + 1, prompt));
        assertEquals(2 * BLOCK, new CpuKvCache(pool, 64).reusePrefix(SCOPE, prompt));
    }

    @Test
    void aBlockIsFoundOnlyAfterTheSamePositionsNotTheSameIdsElsewhere() {
        pool.keepIdle(64 * BLOCK_BYTES);
        int[] a = ids(1, BLOCK);
        int[] b = ids(50, BLOCK);
        run(SCOPE, join(join(a, b), ids(90, 1)), 64).close();

        assertEquals(0, new CpuKvCache(pool, 64).reusePrefix(SCOPE, join(join(b, b), ids(90, 1))),
                "block b after block a is not block b at the start");
    }

    @Test
    void idleBlocksBeyondTheCapAreEvictedLeastRecentlyUsedFirst() {
        pool.keepIdle(2 * BLOCK_BYTES);
        int[] old = ids(1, 2 * BLOCK + 1);
        int[] recent = ids(1000, 2 * BLOCK + 1);
        run(SCOPE, old, 64).close();
        run(SCOPE, recent, 64).close();

        assertEquals(2, pool.stats().evictedBlocks(), "four idle blocks under a cap of two");
        assertEquals(2 * BLOCK_BYTES, pool.stats().idleBytes());
        assertEquals(0, new CpuKvCache(pool, 64).reusePrefix(SCOPE, old));
        assertEquals(2 * BLOCK, new CpuKvCache(pool, 64).reusePrefix(SCOPE, recent));
    }

    /**
     * A block held by a running sequence is neither evicted however small the cap, nor handed out for writing: the
     * sequence reads what it read before while others come and go.
     */
    @Test
    void aBlockInUseIsNeverEvictedNorOverwritten() {
        pool.keepIdle(BLOCK_BYTES);
        int[] prompt = ids(1, 2 * BLOCK + 1);
        CpuKvCache writer = run(SCOPE, prompt, 64);
        CpuKvCache reader = new CpuKvCache(pool, 64);
        assertEquals(2 * BLOCK, reader.reusePrefix(SCOPE, prompt));
        writer.close();
        for (int i = 0; i < 5; i++) {
            run(SCOPE, ids(2000 + 100 * i, 2 * BLOCK + 1), 64).close();
        }

        for (int p = 0; p < 2 * BLOCK; p++) {
            assertEquals(prompt[p], value(reader, p), "position " + p);
        }
        assertEquals(2 * BLOCK, new CpuKvCache(pool, 64).reusePrefix(SCOPE, prompt), "still findable while held");
    }

    @Test
    void aForkHoldsTheFullBlocksAndCopiesTheLastSoItsWritesStayItsOwn() {
        int[] prompt = ids(1, BLOCK + 5);
        CpuKvCache parent = run(SCOPE, prompt, 64);

        CpuKvCache fork = (CpuKvCache) parent.fork(BLOCK + 9);
        fork.reserve(BLOCK + 6);
        write(fork, BLOCK + 5, -1);

        assertEquals(BLOCK + 5, fork.length());
        assertSame(parent.keys(0), fork.keys(0), "the full block is shared");
        assertNotSame(parent.keys(BLOCK), fork.keys(BLOCK), "the partial block is copied");
        assertEquals(prompt[BLOCK + 4], value(fork, BLOCK + 4));
        assertEquals(-1, value(fork, BLOCK + 5));
        int allocated = pool.allocated();
        parent.close();
        assertEquals(prompt[3], value(fork, 3), "the shared block outlives its first holder");
        fork.close();
        assertEquals(allocated, pool.idle(), "every block free once both ended");
    }

    @Test
    void withTheCapAtZeroNothingIsPublishedOrFound() {
        int[] prompt = ids(1, 3 * BLOCK);
        run(SCOPE, prompt, 64).close();

        KvCache again = new CpuKvCache(pool, 64);

        assertEquals(0, again.reusePrefix(SCOPE, prompt));
        assertEquals(PrefixCacheStats.NONE, pool.stats());
    }
}
