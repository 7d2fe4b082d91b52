package dev.peftbench.cli;

import dev.peftbench.contract.ModelChoice.EntryPoint;
import dev.peftbench.contract.ModelChoiceCases;
import dev.peftbench.contract.ModelChoiceCases.Case;
import dev.peftbench.contract.ModelChoiceCases.Src;
import dev.peftbench.contract.Setting;
import dev.peftbench.serve.cli.CommandLines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The model-choice table through the commands' own parsing: {@code generate} (and {@code bench}, which
 * shares its model options) and {@code tune}, for every combination of flags, environment and an adapter
 * naming its base (ModelChoiceCases).
 */
class ModelChoiceEntryPointsTest {

    @TempDir
    Path dir;

    private static List<String> flags(Case c, String adapter) {
        List<String> args = new ArrayList<>();
        if (c.bases().contains(Src.FLAGS)) {
            args.addAll(List.of("--model", ModelChoiceCases.base(Src.FLAGS)));
        }
        if (c.adapterIn() == Src.FLAGS) {
            args.addAll(List.of("--adapter", adapter));
        }
        return args;
    }

    private static Map<String, String> env(Case c, String adapter) {
        Map<String, String> env = new HashMap<>();
        if (c.bases().contains(Src.ENVIRONMENT)) {
            env.put(Setting.BASE_MODEL.env(), ModelChoiceCases.base(Src.ENVIRONMENT));
        }
        if (c.adapterIn() == Src.ENVIRONMENT) {
            env.put(Setting.ADAPTER.env(), adapter);
        }
        return env;
    }

    private String expected(EntryPoint entry, Case c) {
        return switch (ModelChoiceCases.expectedBase(entry, c)) {
            case ModelChoiceCases.ADAPTER_BASE -> ModelChoiceCases.adapterBase(dir);
            case ModelChoiceCases.DEFAULT -> entry.defaults().baseModel();
            case String base -> base;
        };
    }

    @Test
    void generateAndBench() throws IOException {
        String adapter = ModelChoiceCases.adapterWithBase(dir).toString();
        for (Case c : ModelChoiceCases.cases(EntryPoint.GENERATE)) {
            CommandLine cli = CommandLines.of(new GenerateCommand());
            cli.parseArgs(flags(c, adapter).toArray(String[]::new));
            String chosen = ModelOptions.spec(cli.getCommandSpec(), env(c, adapter), notice -> { }).baseModel();
            assertEquals(expected(EntryPoint.GENERATE, c), chosen, c.toString());
        }
    }

    @Test
    void tune() throws IOException {
        String adapter = ModelChoiceCases.adapterWithBase(dir).toString();
        for (Case c : ModelChoiceCases.cases(EntryPoint.TUNE)) {
            TuneCommand tune = new TuneCommand();
            List<String> args = new ArrayList<>(List.of("--data", "rows.csv", "--out", "out"));
            args.addAll(flags(c, adapter));
            CommandLines.of(tune).parseArgs(args.toArray(String[]::new));
            String chosen = tune.baseModel(env(c, adapter), new PrintWriter(new StringWriter()));
            assertEquals(expected(EntryPoint.TUNE, c), chosen, c.toString());
        }
    }

    @Test
    void eval() throws IOException {
        String adapter = ModelChoiceCases.adapterWithBase(dir).toString();
        for (Case c : ModelChoiceCases.cases(EntryPoint.EVAL)) {
            EvalCommand eval = new EvalCommand();
            List<String> args = new ArrayList<>(List.of("--data", "rows.csv"));
            args.addAll(flags(c, adapter));
            CommandLines.of(eval).parseArgs(args.toArray(String[]::new));
            String chosen = eval.modelFields(env(c, adapter), new PrintWriter(new StringWriter())).baseModel();
            assertEquals(expected(EntryPoint.EVAL, c), chosen, c.toString());
        }
    }
}
