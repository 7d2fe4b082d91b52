package dev.peftbench.engine.train;

/**
 * An example as the model is fed it, as peft's causal-LM example builds it: the prompt's ids, then the
 * target's (the label's ids and the id that ends the answer). The loss scores the target ids only, each
 * from the logits of the position before it.
 *
 * @param row the example's row in its data file
 */
public record EncodedExample(int row, int[] promptIds, int[] targetIds) {

    public EncodedExample {
        if (promptIds.length == 0 || targetIds.length == 0) {
            throw new IllegalArgumentException("row " + row + ": a prompt and a target of at least one token each are needed");
        }
        promptIds = promptIds.clone();
        targetIds = targetIds.clone();
    }

    @Override
    public int[] promptIds() {
        return promptIds.clone();
    }

    @Override
    public int[] targetIds() {
        return targetIds.clone();
    }

    /** Prompt and target ids, as fed. */
    public int[] inputIds() {
        int[] ids = new int[length()];
        System.arraycopy(promptIds, 0, ids, 0, promptIds.length);
        System.arraycopy(targetIds, 0, ids, promptIds.length, targetIds.length);
        return ids;
    }

    public int promptLength() {
        return promptIds.length;
    }

    public int targetLength() {
        return targetIds.length;
    }

    /** Fed ids: prompt and target. */
    public int length() {
        return promptIds.length + targetIds.length;
    }
}
