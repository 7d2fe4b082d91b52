package dev.peftbench.engine.generate;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * The token paths of a request's choices (vLLM's {@code guided_choice}): a trie over each choice's ids, so generation
 * can be held, token by token, to the ids that continue some choice. A node that completes a choice also allows the
 * end ids, so the model itself says whether a choice that is a prefix of another one ends there. Immutable; each
 * sequence walks it with its own {@link Cursor}.
 */
final class ChoiceTrie {

    private static final int[] NONE = new int[0];

    private static final class Node {
        int[] ids = NONE;
        Node[] children = new Node[0];
        boolean complete;
        /** What may come next: the children's ids, and the end ids where a choice is complete; ascending. */
        int[] allowed = NONE;

        Node child(int id) {
            int at = Arrays.binarySearch(ids, id);
            return at < 0 ? null : children[at];
        }
    }

    private final Node root;

    private ChoiceTrie(Node root) {
        this.root = root;
    }

    /**
     * @param choices each choice's ids (none empty)
     * @param endIds  the ids that end a sequence; empty when nothing ends it but its length
     */
    static ChoiceTrie of(List<int[]> choices, List<Integer> endIds) {
        Map<Integer, Object> tree = new TreeMap<>();
        for (int[] ids : choices) {
            if (ids.length == 0) {
                throw new IllegalArgumentException("a choice without tokens");
            }
            Map<Integer, Object> level = tree;
            for (int id : ids) {
                level = children(level, id);
            }
            level.put(COMPLETE, Boolean.TRUE);
        }
        int[] ends = endIds.stream().mapToInt(Integer::intValue).sorted().distinct().toArray();
        return new ChoiceTrie(freeze(tree, ends));
    }

    /** The key a level of the building tree marks a complete choice with: never a token id. */
    private static final int COMPLETE = -1;

    @SuppressWarnings("unchecked")
    private static Map<Integer, Object> children(Map<Integer, Object> level, int id) {
        return (Map<Integer, Object>) level.computeIfAbsent(id, k -> new TreeMap<Integer, Object>());
    }

    @SuppressWarnings("unchecked")
    private static Node freeze(Map<Integer, Object> level, int[] ends) {
        Node node = new Node();
        node.complete = level.containsKey(COMPLETE);
        int size = level.size() - (node.complete ? 1 : 0);
        node.ids = new int[size];
        node.children = new Node[size];
        int i = 0;
        for (Map.Entry<Integer, Object> e : level.entrySet()) {
            if (e.getKey() != COMPLETE) {
                node.ids[i] = e.getKey();
                node.children[i++] = freeze((Map<Integer, Object>) e.getValue(), ends);
            }
        }
        node.allowed = node.complete ? union(node.ids, ends) : node.ids;
        return node;
    }

    private static int[] union(int[] a, int[] b) {
        return IntStream.concat(Arrays.stream(a), Arrays.stream(b)).sorted().distinct().toArray();
    }

    Cursor start() {
        return new Cursor(root);
    }

    /** Where one sequence stands in the trie: the ids of its choice so far. */
    static final class Cursor {
        private Node node;

        private Cursor(Node node) {
            this.node = node;
        }

        /** The ids allowed next, ascending. */
        int[] allowed() {
            return node.allowed;
        }

        /** Follows {@code id}, one of {@link #allowed()}; an end id (the sequence ends with it) leaves the cursor. */
        void advance(int id) {
            Node next = node.child(id);
            if (next != null) {
                node = next;
            }
        }

        /** Whether the ids so far spell a whole choice. */
        boolean complete() {
            return node.complete;
        }

        /** Whether a choice continues past the ids so far. */
        boolean continues() {
            return node.ids.length > 0;
        }
    }
}
