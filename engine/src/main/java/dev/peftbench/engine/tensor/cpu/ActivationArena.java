package dev.peftbench.engine.tensor.cpu;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Activation arrays handed back by the model as soon as it is done with them and reused by later
 * results, so that a step allocates next to nothing. Without it a step at batch 8 allocated an 8 MB
 * logits array and a prefill of 256 rows a few MB per projection: G1 treats such arrays as humongous
 * and, with the weights filling the old generation, started a concurrent cycle for almost every one,
 * taking a core from the two compute threads (`./peftbench bench`, 8 streams: TTFT 1.5 -> 0.8 s).
 *
 * <p>Arrays come in power-of-two capacities and a request takes the smallest free one that holds it (up to
 * {@link #MAX_OVERSIZE} times its own capacity),
 * so a batch that grows or shrinks by a few rows (sequences admitted, prompt chunks, sequences
 * ending) reuses what earlier steps had instead of allocating new humongous arrays of each new exact
 * size: a tensor's array may be longer than its values. Nothing is dropped between steps: the engine runs
 * its widest step (a full batch beside a prompt chunk) at load, and a batch that later grows from 4 to 16
 * sequences finds its arrays there (dropping capacities idle for 64 steps had a run at 4 streams lose
 * them, and the first 8-stream step allocated humongous arrays again: a 13 ms young pause and a
 * concurrent cycle). What the arena holds is bounded by the widest steps run, which the scheduler
 * bounds by its batch size and prefill budget. Only arrays this arena handed out can come back, so a weight or a caller's array is never
 * recycled by mistake. Confined to the thread running the forward.
 */
final class ActivationArena {

    /**
     * How much larger than its own capacity an array a request may take: enough for a batch a quarter the size of
     * an earlier one, not so much that small activations take the logits' arrays from under them.
     */
    static final int MAX_OVERSIZE = 4;

    /** Free arrays by capacity. */
    private final TreeMap<Integer, ArrayDeque<float[]>> free = new TreeMap<>();
    private final Set<float[]> lent = Collections.newSetFromMap(new IdentityHashMap<>());

    /** An array of at least {@code length} values, the first {@code length} of them zero. */
    float[] take(int length) {
        float[] array = null;
        int largest = capacityFor(length) * MAX_OVERSIZE;
        for (Map.Entry<Integer, ArrayDeque<float[]>> e = free.ceilingEntry(length); e != null && e.getKey() <= largest
                && array == null; e = free.higherEntry(e.getKey())) {
            array = e.getValue().poll();
        }
        if (array == null) {
            array = new float[capacityFor(length)];
        } else {
            Arrays.fill(array, 0, length, 0f);
        }
        lent.add(array);
        return array;
    }

    /** The smallest power of two holding {@code length} values (at least 16, a vector). */
    static int capacityFor(int length) {
        if (length > 1 << 30) {
            throw new IllegalArgumentException("an activation of " + length + " values is too large");
        }
        return Math.max(16, Integer.highestOneBit(Math.max(1, length - 1)) << 1);
    }

    /** Takes back an array handed out by {@link #take}; anything else is left alone. */
    void giveBack(float[] array) {
        if (lent.remove(array)) {
            free.computeIfAbsent(array.length, k -> new ArrayDeque<>()).push(array);
        }
    }

    /** A forward pass ended: arrays still lent stay with their holder and can no longer come back. */
    void endStep() {
        lent.clear();
    }

    /** Bytes held for reuse (for tests of the memory bound). */
    long heldBytes() {
        return free.values().stream().flatMap(ArrayDeque::stream).mapToLong(a -> 4L * a.length).sum();
    }
}
