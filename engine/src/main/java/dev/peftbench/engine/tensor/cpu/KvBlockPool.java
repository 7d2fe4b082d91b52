package dev.peftbench.engine.tensor.cpu;

import java.util.ArrayDeque;

/**
 * The keys and values of one model's sequences in fixed blocks of {@link #BLOCK} positions (the paging
 * of vLLM's PagedAttention): a sequence takes blocks as its positions are written and gives them back
 * when it ends, so memory follows the tokens actually held, not each request's maximum length, and a
 * new sequence reuses old blocks instead of allocating ~20 MB of fresh arrays (which G1 allocates as
 * humongous objects, each one starting a concurrent cycle: ~0.3 s of a batch of 8 prompts' first token).
 * Blocks are kept once allocated, so the pool's size is the peak number of positions held at once.
 */
final class KvBlockPool {

    /** Positions per block: small enough to waste little at a sequence's end, large enough to loop over. */
    static final int BLOCK = 16;

    /** One block: for every layer and KV head, {@link #BLOCK} positions of {@code headDim} keys and values. */
    record Block(float[] keys, float[] values) {
    }

    final int layers;
    final int heads;
    final int headDim;
    private final ArrayDeque<Block> free = new ArrayDeque<>();
    private int allocated;

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
        Block block = free.poll();
        if (block == null) {
            int size = Math.multiplyExact(Math.multiplyExact(layers * heads, BLOCK), headDim);
            block = new Block(new float[size], new float[size]);
            allocated++;
        }
        return block;
    }

    /** Stale values need no clearing: attention reads only positions written by the block's current sequence. */
    synchronized void giveBack(Block block) {
        free.push(block);
    }

    /** Blocks ever allocated: the peak held at once. */
    synchronized int allocated() {
        return allocated;
    }

    synchronized int idle() {
        return free.size();
    }

    /**
     * Where {@code (layer, head)}'s keys start in a block. Keys are stored transposed, {@code [headDim][BLOCK]},
     * so that one vector holds a feature for consecutive positions and a block's scores are vector
     * multiply-adds over the query's features, with no horizontal sums.
     */
    int keyBase(int layer, int head) {
        return (layer * heads + head) * BLOCK * headDim;
    }

    /** Index of {@code (layer, head, position)}'s value vector within the position's block: {@code [BLOCK][headDim]}. */
    int valueSlot(int layer, int head, int position) {
        return ((layer * heads + head) * BLOCK + position % BLOCK) * headDim;
    }
}
