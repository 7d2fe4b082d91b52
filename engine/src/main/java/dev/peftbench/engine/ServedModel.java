package dev.peftbench.engine;

import java.util.Optional;

/** A name the engine answers to: a loaded base model, optionally with an adapter, and its spec. */
public record ServedModel(String name, ModelSpec spec, ModelInfo base, Optional<AdapterInfo> adapter) {
}
