package dev.peftbench.publish.cli;

import dev.peftbench.contract.ModelChoice.EntryPoint;
import dev.peftbench.contract.ModelChoiceCases;
import dev.peftbench.contract.ModelChoiceCases.Case;
import dev.peftbench.contract.ModelChoiceCases.Src;
import dev.peftbench.publish.plan.PublishPlan;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The model-choice table's publish row through {@code publish}'s flags: the flags, else the reference
 * deployment's model, whose adapter comes only with it (an adapter path is the cluster's, never read here).
 */
class PublishModelChoiceTest {

    private static PublishPlan plan(List<String> args) {
        PublishCommand command = new PublishCommand();
        List<String> all = new ArrayList<>(List.of("--image", "registry.example/peft:1"));
        all.addAll(args);
        new CommandLine(command).parseArgs(all.toArray(String[]::new));
        return command.plan();
    }

    @Test
    void publishChoosesAsTheTableSays() {
        for (Case c : ModelChoiceCases.cases(EntryPoint.PUBLISH)) {
            List<String> args = new ArrayList<>();
            if (c.bases().contains(Src.FLAGS)) {
                args.addAll(List.of("--model", ModelChoiceCases.base(Src.FLAGS)));
            }
            if (c.adapterIn() == Src.FLAGS) {
                args.addAll(List.of("--adapter", "/models/adapter"));
            }
            String expected = ModelChoiceCases.expectedBase(EntryPoint.PUBLISH, c);
            assertEquals(ModelChoiceCases.DEFAULT.equals(expected) ? EntryPoint.PUBLISH.defaults().baseModel() : expected,
                    plan(args).baseModel(), c.toString());
        }
    }

    @Test
    void theReferenceAdapterComesOnlyWithTheReferenceModel() {
        assertEquals(EntryPoint.PUBLISH.defaults().adapter(), plan(List.of()).adapter());
        assertNull(plan(List.of("--model", "org/other")).adapter());
        assertEquals("/models/adapter", plan(List.of("--adapter", "/models/adapter")).adapter());
        assertNull(plan(List.of("--adapter", "none")).adapter());
    }
}
