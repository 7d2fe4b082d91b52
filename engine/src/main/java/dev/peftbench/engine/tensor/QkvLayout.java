package dev.peftbench.engine.tensor;

/**
 * Where each head's query, key and value sit in one row of a fused q/k/v projection's output: query head
 * {@code h} at columns {@code [q(h), q(h) + headDim)}, key and value head {@code g} at {@code k(g)} and
 * {@code v(g)}. Query heads share key/value heads in groups (grouped-query attention; multi-query when
 * there is one KV head): query head {@code h} reads KV head {@code h / (heads / kvHeads)}, as
 * transformers' {@code repeat_kv} arranges them.
 */
public record QkvLayout(int heads, int kvHeads, int headDim, int qBase, int qStride, int kBase, int kStride,
                        int vBase, int vStride) {

    public QkvLayout {
        if (heads < 1 || kvHeads < 1 || headDim < 1 || heads % kvHeads != 0) {
            throw new IllegalArgumentException("bad attention geometry: " + heads + " heads, " + kvHeads
                    + " KV heads, " + headDim + " per head");
        }
    }

    /** BLOOM's fused query_key_value: per head {@code [q | k | v]} (modeling_bloom's {@code _split_heads}). */
    public static QkvLayout perHeadInterleaved(int heads, int headDim) {
        return new QkvLayout(heads, heads, headDim, 0, 3 * headDim, headDim, 3 * headDim, 2 * headDim, 3 * headDim);
    }

    /** q_proj, k_proj and v_proj outputs side by side: {@code [q heads | k heads | v heads]}. */
    public static QkvLayout stacked(int heads, int kvHeads, int headDim) {
        return new QkvLayout(heads, kvHeads, headDim, 0, headDim, heads * headDim, headDim,
                (heads + kvHeads) * headDim, headDim);
    }

    /** Columns of one row: every query, key and value feature. */
    public int cols() {
        return (heads + 2 * kvHeads) * headDim;
    }

    /** Columns of the attention's output row: one context vector per query head. */
    public int contextCols() {
        return heads * headDim;
    }

    public int q(int head) {
        return qBase + head * qStride;
    }

    public int k(int kvHead) {
        return kBase + kvHead * kStride;
    }

    public int v(int kvHead) {
        return vBase + kvHead * vStride;
    }

    /** The KV head query head {@code head} attends with. */
    public int kvHeadOf(int head) {
        return head / (heads / kvHeads);
    }
}
