package dev.peftbench.engine.adapter;

import dev.peftbench.engine.AdapterInfo;

/** A loaded PEFT adapter, attached to one base model. */
public sealed interface Adapter permits PromptTuningAdapter, LoraAdapter {
    String name();

    AdapterInfo info();
}
