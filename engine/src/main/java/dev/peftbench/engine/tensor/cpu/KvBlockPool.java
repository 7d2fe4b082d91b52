package dev.peftbench.engine.tensor.cpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * The keys and values of one model's sequences in fixed blocks of {@link #BLOCK} positions (the paging
 * of vLLM's PagedAttention): a sequence takes blocks as its positions are written and gives them back
 * when it ends, so memory follows the tokens actually held, not each request's maximum length, and a
 * new sequence reuses old blocks. Blocks live off the Java heap, in native memory of one shared
 * {@link Arena} (every worker thread reads them): a block of bloomz-560m is 1.5 MB of keys and as much
 * of values, which G1 would allocate as humongous objects, each one able to start a concurrent cycle
 * while a batch grows. Blocks are kept once allocated, so the pool's size is the peak number of
 * positions held at once; {@link #close} frees them all.
 */
final class KvBlockPool implements AutoCloseable {

    /** Positions per block: small enough to waste little at a sequence's end, large enough to loop over. */
    static final int BLOCK = 16;
    /** Blocks start on a cache line (and a 512-bit vector). */
    private static final long ALIGNMENT = 64;

    /** One block: for every layer and KV head, {@link #BLOCK} positions of {@code headDim} float32 keys and values. */
    record Block(MemorySegment keys, MemorySegment values) {
    }

    final int layers;
    final int heads;
    final int headDim;
    private final Arena arena = Arena.ofShared();
    private final ArrayDeque<Block> free = new ArrayDeque<>();
    private int allocated;
    private boolean closed;

    KvBlockPool(int layers, int heads, int headDim) {
        if (layers < 1 || heads < 1 || headDim < 1) {
            throw new IllegalArgumentException("bad KV geometry: " + layers + " layers, " + heads + " heads, " + headDim + " per head");
        }
        this.layers = layers;
        this.heads = heads;
        this.headDim = headDim;
    }

    boolean fits(int layers, int heads, int headDim) {
        return this.layers == layers && this.heads == heads && this.headDim == headDim;
    }

    synchronized Block take() {
        if (closed) {
            throw new IllegalStateException("the model's KV cache memory was freed (model closed)");
        }
        Block block = free.poll();
        if (block == null) {
            long bytes = Math.multiplyExact(Math.multiplyExact((long) layers * heads, BLOCK), (long) headDim * Float.BYTES);
            block = new Block(arena.allocate(bytes, ALIGNMENT), arena.allocate(bytes, ALIGNMENT));
            allocated++;
        }
        return block;
    }

    /** Stale values need no clearing: attention reads only positions written by the block's current sequence. */
    synchronized void giveBack(Block block) {
        if (!closed) {
            free.push(block);
        }
    }

    /** Blocks ever allocated: the peak held at once. */
    synchronized int allocated() {
        return allocated;
    }

    synchronized int idle() {
        return free.size();
    }

    /** Native memory the pool holds: every block ever allocated, keys and values. */
    synchronized long bytes() {
        return closed ? 0 : allocated * 2L * layers * heads * BLOCK * headDim * Float.BYTES;
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
            arena.close();
        }
    }
}
