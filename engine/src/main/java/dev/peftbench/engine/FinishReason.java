package dev.peftbench.engine;

/** Why generation of one sequence ended; names as the OIP generate extension spells them. */
public enum FinishReason {
    LENGTH("length"),
    EOS_TOKEN("eos_token"),
    STOP_SEQUENCE("stop_sequence"),
    /** The answer is one of the request's choices and nothing may follow it (no eos id to end it with). */
    CHOICE_COMPLETE("choice_complete"),
    CANCELLED("cancelled");

    private final String wireName;

    FinishReason(String wireName) {
        this.wireName = wireName;
    }

    public String wireName() {
        return wireName;
    }
}
