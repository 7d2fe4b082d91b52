package dev.peftbench.engine.tensor.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class CpuKvCacheTest {

    private final KvBlockPool pool = new KvBlockPool(2, 4, 8);

    @Test
    void aSequenceHoldsBlocksForThePositionsWrittenNotForItsCapacity() {
        CpuKvCache cache = new CpuKvCache(pool, 1000);

        cache.reserve(KvBlockPool.BLOCK + 1);

        assertEquals(2, cache.blocksHeld());
        assertEquals(2, pool.allocated());
    }

    @Test
    void anEndedSequencesBlocksServeTheNextOneWithoutNewMemory() {
        CpuKvCache first = new CpuKvCache(pool, 64);
        first.reserve(64);
        first.close();

        CpuKvCache second = new CpuKvCache(pool, 64);
        second.reserve(40);

        assertEquals(4, pool.allocated());
        assertEquals(1, pool.idle());
    }

    @Test
    void positionsInDifferentBlocksOrLayersNeverShareStorage() {
        CpuKvCache cache = new CpuKvCache(pool, 2 * KvBlockPool.BLOCK);
        cache.reserve(2 * KvBlockPool.BLOCK);

        assertNotSame(cache.keys(KvBlockPool.BLOCK - 1), cache.keys(KvBlockPool.BLOCK));
        // The last value of (layer 0, last head, last slot) ends where (layer 1, head 0, slot 0) begins.
        int endOfLayer0 = cache.slot(0, 3, KvBlockPool.BLOCK - 1) + 8;
        assertEquals(endOfLayer0, cache.slot(1, 0, 0));
        assertEquals(cache.keys(0).length, cache.slot(1, 3, KvBlockPool.BLOCK - 1) + 8);
    }

    @Test
    void reservingBeyondTheCapacityIsRefused() {
        CpuKvCache cache = new CpuKvCache(pool, 10);

        assertThrows(IllegalStateException.class, () -> cache.reserve(11));
    }
}
