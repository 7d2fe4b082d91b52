package dev.peftbench.engine.tensor.cpu;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Activation arrays handed back by the model as soon as it is done with them and reused by later
 * results of the same size, so that a steady decode step allocates next to nothing. Without it a
 * step at batch 8 allocated an 8 MB logits array and a prefill of 256 rows a few MB per projection:
 * G1 treats such arrays as humongous and, with the weights filling the old generation, started a
 * concurrent cycle for almost every one, taking a core from the two compute threads (`./peftbench
 * bench`, 8 streams: TTFT 1.5 -> 0.8 s). Only arrays this arena handed out can come back, so a
 * weight or a caller's array is never recycled by mistake. Confined to the thread running the forward.
 */
final class ActivationArena {

    private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
    private final Set<float[]> lent = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Integer> lengthsUsed = new HashSet<>();

    /** A zeroed array of exactly {@code length} values. */
    float[] take(int length) {
        lengthsUsed.add(length);
        ArrayDeque<float[]> stack = free.get(length);
        float[] array = stack == null ? null : stack.poll();
        if (array == null) {
            array = new float[length];
        } else {
            Arrays.fill(array, 0f);
        }
        lent.add(array);
        return array;
    }

    /** Takes back an array handed out by {@link #take}; anything else is left alone. */
    void giveBack(float[] array) {
        if (lent.remove(array)) {
            free.computeIfAbsent(array.length, k -> new ArrayDeque<>()).push(array);
        }
    }

    /**
     * A forward pass ended: arrays of sizes it did not use are dropped, so memory follows the shapes
     * of the current batch instead of every shape ever seen. Arrays still lent stay with their holder.
     */
    void endStep() {
        free.keySet().retainAll(lengthsUsed);
        lengthsUsed.clear();
        lent.clear();
    }

    /** Bytes held for reuse (for tests of the memory bound). */
    long heldBytes() {
        return free.values().stream().flatMap(ArrayDeque::stream).mapToLong(a -> 4L * a.length).sum();
    }
}
