package dev.peftbench.engine.eval;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.score.ScoreRequest;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The candidate labels of an evaluation, in their order (the order of every row's scores, of the per-label metrics and
 * of the confusion matrix): the sorted distinct labels of the data, or the ones asked for.
 */
public record LabelSet(List<String> labels) {

    /** Python's {@code sorted()} on str: by code point (Java's String order differs past U+FFFF). */
    static final Comparator<String> CODE_POINT_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    };

    public LabelSet {
        if (labels == null || labels.isEmpty()) {
            throw EngineException.invalid("the label set is empty: give the labels, or rows with labels");
        }
        if (labels.size() > ScoreRequest.MAX_LABELS) {
            throw EngineException.invalid("the label set has " + labels.size() + " labels; at most " + ScoreRequest.MAX_LABELS
                    + " are scored");
        }
        Set<String> seen = new HashSet<>();
        for (String label : labels) {
            if (label == null || label.isEmpty()) {
                throw EngineException.invalid("the labels include an empty one");
            }
            if (!seen.add(label)) {
                throw EngineException.invalid("the labels name '" + label + "' twice");
            }
        }
        labels = List.copyOf(labels);
    }

    /** The sorted distinct non-empty labels of {@code rows} (as Python's {@code sorted(set(column))}). */
    public static LabelSet ofRows(Collection<EvalRow> rows) {
        TreeSet<String> distinct = new TreeSet<>(CODE_POINT_ORDER);
        rows.stream().map(EvalRow::label).filter(Objects::nonNull).filter(l -> !l.isEmpty()).forEach(distinct::add);
        if (distinct.isEmpty()) {
            throw EngineException.invalid("no row has a label, so there is no label set; give one with the labels");
        }
        return new LabelSet(new ArrayList<>(distinct));
    }

    public int size() {
        return labels.size();
    }

    /** The label's position, or -1 when it is not in the set. */
    public int indexOf(String label) {
        return labels.indexOf(label);
    }
}
