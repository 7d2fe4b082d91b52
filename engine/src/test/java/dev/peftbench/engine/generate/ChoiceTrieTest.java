package dev.peftbench.engine.generate;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChoiceTrieTest {

    /** "no" = [7], "no complaint" = [7, 9, 4], "not" = [7, 5], "complaint" = [3, 9, 4]; end id 2. */
    private static final ChoiceTrie TRIE = ChoiceTrie.of(List.of(new int[] {7}, new int[] {7, 9, 4}, new int[] {7, 5},
            new int[] {3, 9, 4}), List.of(2));

    @Test
    void sharedPrefixesBranchWhereTheChoicesDo() {
        ChoiceTrie.Cursor c = TRIE.start();
        assertArrayEquals(new int[] {3, 7}, c.allowed());
        c.advance(3);
        assertArrayEquals(new int[] {9}, c.allowed());
        c.advance(9);
        c.advance(4);
        assertTrue(c.complete());
        assertFalse(c.continues());
        assertArrayEquals(new int[] {2}, c.allowed(), "a whole choice with nothing after it: only the end");
    }

    @Test
    void aChoiceThatIsAPrefixOfOthersMayEndOrGoOn() {
        ChoiceTrie.Cursor c = TRIE.start();
        c.advance(7);
        assertTrue(c.complete());
        assertTrue(c.continues());
        assertArrayEquals(new int[] {2, 5, 9}, c.allowed(), "the end id beside both continuations");
    }

    @Test
    void withoutEndIdsACompleteLeafAllowsNothing() {
        ChoiceTrie.Cursor c = ChoiceTrie.of(List.of(new int[] {4, 1}), List.of()).start();
        c.advance(4);
        assertArrayEquals(new int[] {1}, c.allowed());
        c.advance(1);
        assertTrue(c.complete());
        assertArrayEquals(new int[0], c.allowed());
    }
}
