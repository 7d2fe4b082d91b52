package dev.peftbench.engine.train;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.InputField;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The encoded rows of a run, split into the rows trained on and the rows held out for the evaluation.
 * Rows that take more than {@code maxPositions} positions (virtual tokens, prompt, target) are left out
 * or refuse the run.
 *
 * @param skippedRows the rows left out for their length (row numbers of the data file)
 */
public record TrainingSet(List<EncodedExample> train, List<EncodedExample> eval, List<Integer> skippedRows) {

    public TrainingSet {
        train = List.copyOf(train);
        eval = List.copyOf(eval);
        skippedRows = List.copyOf(skippedRows);
    }

    /**
     * @param shuffle held-out rows drawn with {@code seed} (as {@code train_test_split(seed=...)}); off: the last
     *                rows of the file are held out
     */
    public static TrainingSet of(List<Example> examples, ExampleEncoder encoder, int virtualTokens, int maxPositions,
                                 boolean skipLong, double evalSplit, boolean shuffle, long seed, boolean limitGiven) {
        String limitSource = limitGiven ? "{0}" : "the model's limit";
        List<EncodedExample> kept = new ArrayList<>();
        List<Integer> tooLong = new ArrayList<>();
        int longest = 0;
        for (Example example : examples) {
            EncodedExample encoded = encoder.encode(example);
            int positions = virtualTokens + encoded.length();
            if (positions > maxPositions) {
                tooLong.add(example.row());
                longest = Math.max(longest, positions);
            } else {
                kept.add(encoded);
            }
        }
        if (!tooLong.isEmpty() && !skipLong) {
            throw EngineException.invalid(DataFile.count(tooLong, "row") + " more than " + maxPositions + " positions ("
                    + limitSource + "; the longest takes " + longest + " with virtual tokens, prompt and label): "
                    + DataFile.listed(tooLong) + "; shorten them, or set {1} skip to leave them out", InputField.MAX_LENGTH,
                    InputField.LONG_ROWS);
        }
        if (kept.isEmpty()) {
            throw EngineException.invalid("no row fits in " + maxPositions + " positions (" + limitSource + ")", InputField.MAX_LENGTH);
        }
        int held = evalSplit == 0 ? 0 : (int) Math.ceil(kept.size() * evalSplit);
        if (held >= kept.size()) {
            throw EngineException.invalid("{0} " + evalSplit + " holds out all " + kept.size()
                    + " rows; lower it or add rows", InputField.EVAL_SPLIT);
        }
        List<EncodedExample> order = new ArrayList<>(kept);
        if (shuffle) {
            shuffle(order, new SplittableRandom(seed));
        }
        List<EncodedExample> eval = new ArrayList<>(order.subList(order.size() - held, order.size()));
        List<EncodedExample> train = new ArrayList<>(order.subList(0, order.size() - held));
        // Training keeps file order among its rows; the per-epoch shuffle decides the batches.
        train.sort(java.util.Comparator.comparingInt(EncodedExample::row));
        eval.sort(java.util.Comparator.comparingInt(EncodedExample::row));
        return new TrainingSet(train, eval, tooLong);
    }

    /** Fisher-Yates with a seeded generator: the same seed gives the same order. */
    static <T> void shuffle(List<T> items, SplittableRandom random) {
        for (int i = items.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            T t = items.get(i);
            items.set(i, items.get(j));
            items.set(j, t);
        }
    }
}
