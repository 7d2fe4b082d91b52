package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.tensor.BoundedKvCache;
import dev.peftbench.engine.tensor.KvCache;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * One sequence's keys and values in blocks from its model's {@link KvBlockPool} (its block table), taken as
 * positions are written ({@link #reserve}) and given back on {@link #close}. A cache that
 * {@linkplain #reusePrefix shares} starts with the published blocks of its prompt's first positions and publishes
 * every block it fills; a {@linkplain #fork fork} holds its parent's full blocks too. Blocks before
 * {@code length / BLOCK} are full and never written again, so holding them together is safe.
 */
final class CpuKvCache extends BoundedKvCache {

    private final KvBlockPool pool;
    private final KvBlockPool.Block[] blocks;
    private int taken;
    /** While sharing: the keys of positions {@code [0, keyed)}, to publish the blocks they fill. */
    private int[] keys;
    private int keyed;
    private long scope;
    /** Full blocks published (or found published), and the content id of the last: the next one's parent. */
    private int published;
    private long parent = KvBlockPool.ROOT;

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
        int next = length() / KvBlockPool.BLOCK;
        if (positions > length() && next < taken && pool.shared(blocks[next])) {
            // By construction only full blocks are shared; writing one would change another sequence's past.
            throw new IllegalStateException("position " + length() + " lies in a KV block other sequences hold");
        }
        while (taken * KvBlockPool.BLOCK < positions) {
            KvBlockPool.Block block = pool.take();
            blocks[taken++] = block;
        }
    }

    @Override
    public int reusePrefix(long scope, int[] keys) {
        if (length() != 0 || taken != 0 || this.keys != null) {
            throw new IllegalStateException("a prefix is reused by an empty cache, once");
        }
        if (keys.length > capacity()) {
            throw new IllegalStateException("KV cache overflow: " + keys.length + " > " + capacity());
        }
        if (!pool.caching()) {
            return 0;
        }
        this.scope = scope;
        this.keys = new int[capacity()];
        // Full blocks that leave the last position to compute: its logits are what the sequence wants next.
        int candidates = (keys.length - 1) / KvBlockPool.BLOCK;
        while (published < candidates) {
            KvBlockPool.Block found = pool.find(keyOf(keys, published));
            if (found == null) {
                break;
            }
            parent = found.content();
            blocks[taken++] = found;
            published++;
        }
        int reused = published * KvBlockPool.BLOCK;
        pool.lookedUp(keys.length, published, candidates - published);
        System.arraycopy(keys, 0, this.keys, 0, reused);
        keyed = reused;
        advance(reused);
        return reused;
    }

    @Override
    public void advance(int[] newKeys) {
        int from = length();
        advance(newKeys.length);
        if (keys == null || from != keyed) {
            return;
        }
        System.arraycopy(newKeys, 0, keys, from, newKeys.length);
        keyed += newKeys.length;
        while ((published + 1) * KvBlockPool.BLOCK <= keyed) {
            long content = pool.publish(blocks[published], keyOf(keys, published));
            if (content == KvBlockPool.UNPUBLISHED) {
                keys = null;
                return;
            }
            parent = content;
            published++;
        }
    }

    private KvBlockPool.Key keyOf(int[] positions, int block) {
        int from = block * KvBlockPool.BLOCK;
        return new KvBlockPool.Key(parent, scope, Arrays.copyOfRange(positions, from, from + KvBlockPool.BLOCK));
    }

    /** Full blocks held with this cache, the partly filled last one copied: no position is computed again. */
    @Override
    public KvCache fork(int capacity) {
        if (capacity < length()) {
            throw new IllegalArgumentException("a fork of " + length() + " positions cannot hold only " + capacity);
        }
        CpuKvCache fork = new CpuKvCache(pool, capacity);
        int full = length() / KvBlockPool.BLOCK;
        for (int i = 0; i < full; i++) {
            pool.share(blocks[i]);
            fork.blocks[fork.taken++] = blocks[i];
        }
        if (length() % KvBlockPool.BLOCK != 0) {
            KvBlockPool.Block own = pool.take();
            MemorySegment.copy(blocks[full].keys, 0, own.keys, 0, own.keys.byteSize());
            MemorySegment.copy(blocks[full].values, 0, own.values, 0, own.values.byteSize());
            fork.blocks[fork.taken++] = own;
        }
        fork.advance(length());
        return fork;
    }

    MemorySegment keys(int position) {
        return blocks[position / KvBlockPool.BLOCK].keys;
    }

    MemorySegment values(int position) {
        return blocks[position / KvBlockPool.BLOCK].values;
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

    /** The blocks, last first: a sequence's deepest blocks are the least likely to be reused, so they are evicted first. */
    @Override
    public void close() {
        for (int i = taken - 1; i >= 0; i--) {
            pool.release(blocks[i]);
            blocks[i] = null;
        }
        taken = 0;
        keys = null;
    }
}
