package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.tensor.KvCache;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    void everyLayerHeadAndPositionKeepsItsOwnKeyAndValue() {
        int layers = 2, heads = 4, headDim = 8, positions = 2 * KvBlockPool.BLOCK + 3;
        CpuKvCache cache = new CpuKvCache(pool, positions);
        cache.reserve(positions);
        float[] kv = new float[2 * headDim];
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                for (int p = 0; p < positions; p++) {
                    for (int d = 0; d < headDim; d++) {
                        kv[d] = code(l, h, p, d);
                        kv[headDim + d] = -code(l, h, p, d);
                    }
                    cache.write(l, h, p, kv, 0, headDim);
                }
            }
        }

        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                for (int p = 0; p < positions; p++) {
                    for (int d = 0; d < headDim; d++) {
                        float key = cache.keys(p).getAtIndex(ValueLayout.JAVA_FLOAT,
                                cache.keyBase(l, h) + d * KvBlockPool.BLOCK + p % KvBlockPool.BLOCK);
                        float value = cache.values(p).getAtIndex(ValueLayout.JAVA_FLOAT, cache.valueSlot(l, h, p) + d);
                        assertEquals(code(l, h, p, d), key, "key " + l + "/" + h + "/" + p + "/" + d);
                        assertEquals(-code(l, h, p, d), value, "value " + l + "/" + h + "/" + p + "/" + d);
                    }
                }
            }
        }
    }

    private static float code(int layer, int head, int position, int feature) {
        return 1 + feature + 10 * position + 1000 * head + 10000 * layer;
    }

    @Test
    void reservingBeyondTheCapacityIsRefused() {
        CpuKvCache cache = new CpuKvCache(pool, 10);

        assertThrows(IllegalStateException.class, () -> cache.reserve(11));
    }

    /**
     * Blocks are native memory (no Java array: nothing for G1 to allocate as humongous or to copy), counted by the
     * backend, and freed when the model's backend closes: a block taken before is no longer readable, and no new
     * one is handed out.
     */
    @Test
    void blocksLiveOffTheHeapAndAreFreedWhenTheBackendCloses() {
        CpuTensorOps ops = new CpuTensorOps(ComputeType.FLOAT32, 1, false);
        CpuKvCache cache = (CpuKvCache) ops.newKvCache(24, 16, 64, 40);
        cache.reserve(40);
        MemorySegment keys = cache.keys(0);
        MemorySegment values = cache.values(39);
        long perBlock = 24L * 16 * KvBlockPool.BLOCK * 64 * Float.BYTES;

        assertTrue(keys.isNative() && values.isNative(), "native segments");
        assertFalse(keys.heapBase().isPresent(), "no Java array behind the keys");
        assertEquals(perBlock, keys.byteSize());
        assertEquals(3 * 2 * perBlock, ops.kvCacheBytes(), "three blocks of keys and values");

        cache.close();
        ops.close();

        assertFalse(keys.scope().isAlive(), "the arena's memory is freed");
        assertEquals(0, ops.kvCacheBytes());
        assertThrows(IllegalStateException.class, () -> keys.get(ValueLayout.JAVA_FLOAT, 0));
        try (KvCache late = ops.newKvCache(24, 16, 64, 16)) {
            assertThrows(IllegalStateException.class, () -> ((CpuKvCache) late).reserve(1));
        }
    }
}
