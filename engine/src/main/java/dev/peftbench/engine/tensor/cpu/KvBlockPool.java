package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.PrefixCacheStats;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;

/**
 * The keys and values of one model's sequences in fixed blocks of {@link #BLOCK} positions (the paging
 * of vLLM's PagedAttention): a sequence takes blocks as its positions are written and gives them back
 * when it ends, so memory follows the tokens actually held, not each request's maximum length, and a
 * new sequence reuses old blocks. Blocks live off the Java heap, in native memory of one shared
 * {@link Arena} (every worker thread reads them): a block of bloomz-560m is 1.5 MB of keys and as much
 * of values, which G1 would allocate as humongous objects, each one able to start a concurrent cycle
 * while a batch grows. Blocks are kept once allocated; {@link #close} frees them all.
 *
 * <p>Full blocks are also a prefix cache (vLLM's automatic prefix caching): a sequence that shares its blocks
 * publishes each one it fills under its {@link Key} (the content of every position up to the block's end and
 * the adapter that computed them), and a later sequence starting with the same positions takes the published
 * blocks instead of computing them. A block counts the sequences holding it and is never written once full,
 * so sharing needs no copy. When its last holder ends, a published block stays findable, idle, in
 * least-recently-used order; idle blocks beyond {@link #keepIdle} bytes are evicted (unpublished) from the
 * oldest, and a block taken for writing is always one no sequence holds. So the pool holds at most the
 * sequences' peak plus the cap.
 */
final class KvBlockPool implements AutoCloseable {

    /** Positions per block: small enough to waste little at a sequence's end, large enough to loop over. */
    static final int BLOCK = 16;
    /** The parent of a sequence's first block. */
    static final long ROOT = 0;
    /** What {@link #publish} answers with the prefix cache off. */
    static final long UNPUBLISHED = -1;
    /** Blocks start on a cache line (and a 512-bit vector). */
    private static final long ALIGNMENT = 64;

    /** One block: for every layer and KV head, {@link #BLOCK} positions of {@code headDim} float32 keys and values. */
    static final class Block {
        final MemorySegment keys;
        final MemorySegment values;
        /** Sequences holding the block; 0 = free or idle. */
        private int holders;
        /** What the block holds while published, else null. */
        private Key key;
        /** The published content's id: the parent of the next block's key. */
        private long content;

        Block(MemorySegment keys, MemorySegment values) {
            this.keys = keys;
            this.values = values;
        }

        /** The published content's id (valid while published). */
        long content() {
            return content;
        }
    }

    /**
     * A full block's identity: the content id of the block before it ({@link #ROOT} for the first), what computed it
     * ({@code scope}: the adapter) and its positions' keys (token ids, or virtual tokens). vLLM hashes the same
     * three things; here the parent is an id never given twice (a 64-bit hash of the parent could collide), and
     * keys are compared in full, so a lookup never returns another prefix's block.
     */
    record Key(long parent, long scope, int[] positions) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.parent == parent && k.scope == scope && Arrays.equals(k.positions, positions);
        }

        @Override
        public int hashCode() {
            return (Long.hashCode(parent) * 31 + Long.hashCode(scope)) * 31 + Arrays.hashCode(positions);
        }

        @Override
        public String toString() {
            return "Key[parent=" + parent + ", scope=" + scope + ", positions=" + Arrays.toString(positions) + "]";
        }
    }

    final int layers;
    final int heads;
    final int headDim;
    private final long blockBytes;
    private final Arena arena = Arena.ofShared();
    /** Blocks held by nobody and published nowhere. */
    private final ArrayDeque<Block> free = new ArrayDeque<>();
    private final Map<Key, Block> published = new HashMap<>();
    /** Published blocks held by nobody, least recently released first. */
    private final LinkedHashSet<Block> idle = new LinkedHashSet<>();
    private long keepIdleBlocks;
    private long nextContent = ROOT + 1;
    private long hitBlocks;
    private long missedBlocks;
    private long hitPositions;
    private long missedPositions;
    private long evictedBlocks;
    private int allocated;
    private boolean closed;

    KvBlockPool(int layers, int heads, int headDim) {
        if (layers < 1 || heads < 1 || headDim < 1) {
            throw new IllegalArgumentException("bad KV geometry: " + layers + " layers, " + heads + " heads, " + headDim + " per head");
        }
        this.layers = layers;
        this.heads = heads;
        this.headDim = headDim;
        this.blockBytes = 2 * Math.multiplyExact(Math.multiplyExact((long) layers * heads, BLOCK), (long) headDim * Float.BYTES);
    }

    boolean fits(int layers, int heads, int headDim) {
        return this.layers == layers && this.heads == heads && this.headDim == headDim;
    }

    /**
     * Keeps up to {@code bytes} of idle published blocks (rounded down to whole blocks); 0 turns the prefix cache off:
     * nothing is published or looked up any more, and what was published is evicted.
     */
    synchronized void keepIdle(long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("prefix cache size must be >= 0, got " + bytes);
        }
        keepIdleBlocks = bytes / blockBytes;
        trim();
        if (keepIdleBlocks == 0) {
            for (Block b : published.values()) {
                b.key = null;
            }
            evictedBlocks += published.size();
            published.clear();
        }
    }

    /** Whether blocks are published and looked up. */
    synchronized boolean caching() {
        return keepIdleBlocks > 0 && !closed;
    }

    /** A block for the caller alone to write: a free one, else a new one (idle published blocks stay findable). */
    synchronized Block take() {
        if (closed) {
            throw new IllegalStateException("the model's KV cache memory was freed (model closed)");
        }
        Block block = free.poll();
        if (block == null) {
            long half = blockBytes / 2;
            block = new Block(arena.allocate(half, ALIGNMENT), arena.allocate(half, ALIGNMENT));
            allocated++;
        }
        block.holders = 1;
        return block;
    }

    /** One holder more for a block another sequence holds or an idle published one (then no longer idle). */
    synchronized void share(Block block) {
        if (block.holders++ == 0) {
            idle.remove(block);
        }
    }

    /** Whether a sequence besides the caller holds {@code block}: then nobody may write it. */
    synchronized boolean shared(Block block) {
        return block.holders > 1;
    }

    /**
     * One holder fewer. A block nobody holds any more stays findable (idle, the most recently used) if published,
     * else it is free again; stale values need no clearing, since attention reads only positions its sequence wrote.
     */
    synchronized void release(Block block) {
        if (block.holders < 1) {
            throw new IllegalStateException("a KV block released more often than taken");
        }
        if (--block.holders > 0 || closed) {
            return;
        }
        if (block.key != null) {
            idle.add(block);
            trim();
        } else {
            free.push(block);
        }
    }

    /** The published block holding {@code key}, one holder more, or null. */
    synchronized Block find(Key key) {
        Block block = published.get(key);
        if (block != null) {
            share(block);
        }
        return block;
    }

    /**
     * Publishes the full {@code block} under {@code key}, unless a block with that content is published already (two
     * sequences computed it at once); returns the id of the published content, the parent of the next block's key,
     * or {@link #UNPUBLISHED} with the prefix cache off.
     */
    synchronized long publish(Block block, Key key) {
        if (keepIdleBlocks == 0 || closed) {
            return UNPUBLISHED;
        }
        Block known = published.get(key);
        if (known != null) {
            return known.content;
        }
        if (block.key != null) {
            throw new IllegalStateException("a KV block published twice");
        }
        block.key = key;
        block.content = nextContent++;
        published.put(key, block);
        return block.content;
    }

    /** A sequence of {@code positions} looked up its prompt: {@code hits} blocks found, {@code misses} not. */
    synchronized void lookedUp(int positions, int hits, int misses) {
        hitBlocks += hits;
        missedBlocks += misses;
        hitPositions += (long) hits * BLOCK;
        missedPositions += positions - (long) hits * BLOCK;
    }

    /** Evicts the least recently used idle blocks beyond the cap: unpublished, free for writing. */
    private void trim() {
        while (idle.size() > keepIdleBlocks) {
            Block oldest = idle.removeFirst();
            published.remove(oldest.key);
            oldest.key = null;
            free.push(oldest);
            evictedBlocks++;
        }
    }

    synchronized PrefixCacheStats stats() {
        return new PrefixCacheStats(hitBlocks, missedBlocks, hitPositions, missedPositions, evictedBlocks,
                published.size(), idle.size() * blockBytes);
    }

    /** Blocks ever allocated: the peak held at once. */
    synchronized int allocated() {
        return allocated;
    }

    /** Blocks free for writing (neither held nor findable). */
    synchronized int idle() {
        return free.size();
    }

    /** Native memory the pool holds: every block ever allocated, keys and values. */
    synchronized long bytes() {
        return closed ? 0 : allocated * blockBytes;
    }

    /**
     * Where {@code (layer, head)}'s keys start in a block, in floats. Keys are stored transposed,
     * {@code [headDim][BLOCK]}, so that one vector holds a feature for consecutive positions and a block's
     * scores are vector multiply-adds over the query's features, with no horizontal sums.
     */
    int keyBase(int layer, int head) {
        return (layer * heads + head) * BLOCK * headDim;
    }

    /** Index in floats of {@code (layer, head, position)}'s value vector within the position's block: {@code [BLOCK][headDim]}. */
    int valueSlot(int layer, int head, int position) {
        return ((layer * heads + head) * BLOCK + position % BLOCK) * headDim;
    }

    /** Frees every block at once; the model's sequences are over (its scheduler has stopped). */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            free.clear();
            idle.clear();
            published.clear();
            arena.close();
        }
    }
}
