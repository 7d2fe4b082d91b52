package dev.peftbench.engine.tensor.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
                        float key = cache.keys(p)[cache.keyBase(l, h) + d * KvBlockPool.BLOCK + p % KvBlockPool.BLOCK];
                        float value = cache.values(p)[cache.valueSlot(l, h, p) + d];
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
}
