package dev.peftbench.ui;

import dev.peftbench.ui.ShellController.Page;
import dev.peftbench.ui.evaluate.EvalTarget;
import dev.peftbench.ui.evaluate.EvaluateViewModel;
import dev.peftbench.ui.prompt.PromptMode;
import dev.peftbench.ui.prompt.PromptViewModel;
import dev.peftbench.ui.serve.CurlCommand;
import dev.peftbench.ui.serve.ServeViewModel;
import dev.peftbench.ui.serve.ServerState;
import dev.peftbench.ui.tune.TuneViewModel;
import javafx.animation.PauseTransition;
import javafx.application.Platform;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.value.ChangeListener;
import javafx.beans.value.ObservableValue;
import javafx.scene.Scene;
import javafx.util.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Locale;

/**
 * The README's screenshots: loads the sample, runs the sample prompt, starts the server and
 * sends it one request, tunes a small adapter on the sample data, evaluates the sample's adapter, the
 * one just tuned and the base model on the sample data, then shows each page and writes
 * {@code <page>.png} into the folder, and exits. Driven by events, never by sleeping on the FX thread.
 */
final class ScreenshotTour {
    private static final Logger log = LoggerFactory.getLogger(ScreenshotTour.class);

    private final WorkbenchWindow window;
    private final Scene scene;
    private final Path folder;

    ScreenshotTour(WorkbenchWindow window, Scene scene, Path folder) {
        this.window = window;
        this.scene = scene;
        this.folder = folder;
    }

    void start() {
        afterward(window.model().loadingProperty(), window.model()::load, this::runChat);
    }

    /**
     * Runs {@code action}, then {@code next} once {@code busy} is false again, or at once when the action was
     * refused and nothing started (a failed step still goes on to document what the pages show).
     */
    private static void afterward(ReadOnlyBooleanProperty busy, Runnable action, Runnable next) {
        ChangeListener<Boolean> done = new ChangeListener<>() {
            @Override
            public void changed(ObservableValue<? extends Boolean> o, Boolean was, Boolean now) {
                if (!now) {
                    o.removeListener(this);
                    next.run();
                }
            }
        };
        busy.addListener(done);
        action.run();
        if (!busy.get()) {
            busy.removeListener(done);
            next.run();
        }
    }

    /**
     * One chat turn on the sample's chat template, then a follow-up typed, so the Prompt page in Chat
     * mode shows a conversation and the prompt the next message would send; then back to Prompt mode
     * with the sample input.
     */
    private void runChat() {
        PromptViewModel prompt = window.prompt();
        String sampleInput = prompt.inputProperty().get();
        window.shell().show(Page.PROMPT);
        prompt.modeProperty().set(PromptMode.CHAT);
        prompt.systemPromptProperty().set("You label tweets as complaint or no complaint.");
        prompt.inputProperty().set("@comcast the internet has been down for three days");
        afterward(prompt.runningProperty(), prompt::run, () -> {
            prompt.inputProperty().set("And this one? Great service today, thanks!");
            PauseTransition settle = new PauseTransition(Duration.millis(400));
            settle.setOnFinished(e -> {
                write("chat");
                prompt.modeProperty().set(PromptMode.PROMPT);
                prompt.inputProperty().set(sampleInput);
                runPrompt();
            });
            settle.play();
        });
    }

    /** Compare with and without the adapter: the tuned answer's tokens near-certain, the base model's not. */
    private void runPrompt() {
        window.shell().show(Page.PROMPT);
        afterward(window.prompt().runningProperty(), window.prompt()::compare, this::startServer);
    }

    /** Starts the server and sends it the page's own curl request, so the Serve page shows a logged request. */
    private void startServer() {
        ServeViewModel serve = window.serve();
        ChangeListener<ServerState> started = new ChangeListener<>() {
            @Override
            public void changed(ObservableValue<? extends ServerState> o, ServerState was, ServerState now) {
                if (now == ServerState.RUNNING) {
                    o.removeListener(this);
                    sendCurlRequest(serve.curlCommand());
                } else if (now == ServerState.STOPPED) {
                    o.removeListener(this);
                    tuneSample();
                }
            }
        };
        serve.stateProperty().addListener(started);
        serve.start();
        if (serve.stateProperty().get() == ServerState.STOPPED) {
            serve.stateProperty().removeListener(started);
            tuneSample();
        }
    }

    private void sendCurlRequest(CurlCommand curl) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(curl.url()))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + curl.apiKey())
                .POST(HttpRequest.BodyPublishers.ofString(curl.body())).build();
        HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .whenComplete((r, e) -> Platform.runLater(this::tuneSample));
    }

    /**
     * Tunes a prompt-tuning adapter on the sample data (the README's settings, fewer epochs) into a temporary
     * folder, so the Tune page shows a loss curve and a held-out evaluation.
     */
    private void tuneSample() {
        TuneViewModel tune = window.tune();
        try {
            // A short folder name: the Evaluate page names adapters by their folder.
            tune.outProperty().set(Files.createTempDirectory("peftbench-tour").resolve("tour-tuned-adapter").toString());
        } catch (IOException e) {
            log.warn("no temporary folder for the tour's adapter: {}", e.getMessage());
            shootAll();
            return;
        }
        tune.numVirtualTokensProperty().set("20");
        tune.initTextProperty().set("Classify if the tweet is a complaint or not:");
        tune.learningRateProperty().set("0.3");
        tune.epochsProperty().set("10");
        tune.endTokenIdProperty().set("3");
        afterward(tune.runningProperty(), tune::start, this::evaluateSample);
    }

    /**
     * Evaluates the loaded sample adapter, the adapter the tour just tuned and the base model on the sample data, so
     * the Evaluate page shows three adapters' metrics, heat maps and reliability side by side.
     */
    private void evaluateSample() {
        EvaluateViewModel evaluate = window.evaluate();
        evaluate.dataFileProperty().set(window.tune().dataFileProperty().get());
        evaluate.readData();
        var tuned = window.tune().resultProperty().get();
        if (tuned != null) {
            evaluate.targets().remove(EvalTarget.BASE);
            evaluate.addAdapter(tuned.out().toAbsolutePath().toString());
            evaluate.addBase();
        }
        afterward(evaluate.runningProperty(), evaluate::run, this::shootAll);
    }

    private void shootAll() {
        // The first run has no image yet; an example one makes the Publish page show its YAML preview.
        if (window.publish().imageProperty().get().isBlank()) {
            window.publish().imageProperty().set("registry.example/peft-workbench:0.1");
        }
        shootNext(new ArrayDeque<>(Arrays.asList(Page.values())));
    }

    private void shootNext(Deque<Page> pages) {
        if (pages.isEmpty()) {
            window.close();
            Platform.exit();
            return;
        }
        Page page = pages.removeFirst();
        window.shell().show(page);
        // Give layout and CSS a few pulses before taking the picture.
        PauseTransition settle = new PauseTransition(Duration.millis(400));
        settle.setOnFinished(e -> {
            write(page);
            shootNext(pages);
        });
        settle.play();
    }

    private void write(Page page) {
        write(page.name().toLowerCase(Locale.ROOT));
    }

    private void write(String name) {
        Path file = folder.resolve(name + ".png");
        try {
            Files.createDirectories(folder);
            PngSnapshot.write(scene.snapshot(null), file);
            log.info("Wrote {}", file);
        } catch (IOException e) {
            log.error("Could not write screenshot {}: {}", file, e.getMessage());
        }
    }
}
