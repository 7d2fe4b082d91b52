package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.tensor.BoundedKvCache;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One sequence's keys and values in blocks from its model's {@link KvBlockPool}, taken as positions are
 * written ({@link #reserve}) and given back on {@link #close}.
 */
final class CpuKvCache extends BoundedKvCache {

    private final KvBlockPool pool;
    private final KvBlockPool.Block[] blocks;
    private int taken;

    CpuKvCache(KvBlockPool pool, int capacity) {
        super(capacity);
        this.pool = pool;
        this.blocks = new KvBlockPool.Block[(capacity + KvBlockPool.BLOCK - 1) / KvBlockPool.BLOCK];
    }

    /** Makes positions {@code [0, positions)} writable; called before the attention kernels run in parallel. */
    void reserve(int positions) {
        if (positions > capacity()) {
            throw new IllegalStateException("KV cache overflow: " + positions + " > " + capacity());
        }
        while (taken * KvBlockPool.BLOCK < positions) {
            blocks[taken++] = pool.take();
        }
    }

    MemorySegment keys(int position) {
        return blocks[position / KvBlockPool.BLOCK].keys();
    }

    MemorySegment values(int position) {
        return blocks[position / KvBlockPool.BLOCK].values();
    }

    int keyBase(int layer, int head) {
        return pool.keyBase(layer, head);
    }

    int valueSlot(int layer, int head, int position) {
        return pool.valueSlot(layer, head, position);
    }

    /** Stores position {@code position}'s key and value for {@code (layer, head)} from {@code qkv[from..]}: key, then value. */
    void write(int layer, int head, int position, float[] qkv, int keyFrom, int valueFrom) {
        MemorySegment keys = keys(position);
        long k = pool.keyBase(layer, head) + position % KvBlockPool.BLOCK;
        for (int d = 0; d < pool.headDim; d++) {
            keys.setAtIndex(ValueLayout.JAVA_FLOAT, k + (long) d * KvBlockPool.BLOCK, qkv[keyFrom + d]);
        }
        MemorySegment.copy(qkv, valueFrom, values(position), ValueLayout.JAVA_FLOAT,
                (long) pool.valueSlot(layer, head, position) * Float.BYTES, pool.headDim);
    }

    int blocksHeld() {
        return taken;
    }

    @Override
    public void close() {
        for (int i = 0; i < taken; i++) {
            pool.giveBack(blocks[i]);
            blocks[i] = null;
        }
        taken = 0;
    }
}
