package dev.peftbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.engine.hub.FileSelection;
import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.engine.hub.RepoId;
import dev.peftbench.engine.hub.SnapshotDownload;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code peftbench pull ORG/NAME}: downloads a model or adapter from the Hugging Face Hub into the
 * standard cache (huggingface_hub's layout, so Python tools share it), as {@code huggingface-cli download}
 * does, but by default only the files a load needs. Prints the snapshot folder.
 */
@Command(name = "pull", mixinStandardHelpOptions = true,
        description = {"Download a model or PEFT adapter from the Hugging Face Hub into the local cache.",
                "Environment: " + HubSettings.HF_ENDPOINT + ", " + HubSettings.HF_TOKEN + " (or the token file in " + HubSettings.HF_HOME + "), "
                        + HubSettings.HF_HOME + " / " + HubSettings.HF_HUB_CACHE + ", " + HubSettings.HF_HUB_OFFLINE + "."})
public final class PullCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "ORG/NAME", description = "The repository, e.g. bigscience/bloomz-560m.")
    String id;
    @Option(names = "--revision", description = "Branch, tag or commit (default main).")
    String revision = "main";
    @Option(names = "--include", paramLabel = "GLOB", description = "Download the files matching this glob (fnmatch, e.g. '*.json'; "
            + "repeatable) instead of the files a load needs.")
    List<String> include = List.of();
    @Option(names = "--json", description = "Print one JSON object instead of the snapshot folder.")
    boolean json;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        RepoId repo = new RepoId(id);
        HubSettings settings = HubSettings.fromEnvironment();
        DownloadBar bar = new DownloadBar(err, ProgressLine.stderrIsTerminal());
        AtomicBoolean finished = new AtomicBoolean();
        // Ctrl+C ends the JVM mid-file: the partial blob stays, and saying so is all there is to do.
        Thread interrupted = new Thread(() -> {
            if (!finished.get()) {
                bar.finish();
                err.println("pull interrupted: what arrived is kept in " + settings.downloadCache().resolve(repo.folderName())
                        + "; run the same command again to resume");
                err.flush();
            }
        }, "pull-interrupted");
        Runtime.getRuntime().addShutdownHook(interrupted);
        SnapshotDownload.Result result;
        try {
            result = new SnapshotDownload(settings).download(repo, revision, new FileSelection(include), bar);
        } finally {
            finished.set(true);
            bar.finish();
            removeHook(interrupted);
        }
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode node = mapper.createObjectNode()
                    .put("repo", repo.value())
                    .put("revision", revision)
                    .put("commit", result.commit())
                    .put("path", result.snapshot().toAbsolutePath().toString());
            node.set("files", mapper.valueToTree(result.files()));
            node.put("downloaded_bytes", result.bytesDownloaded());
            node.put("seconds", result.nanos() / 1e9);
            out.println(node);
        } else {
            out.println(result.snapshot().toAbsolutePath());
        }
        out.flush();
        return 0;
    }

    private static void removeHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook runs, and finished tells it there is nothing to say.
        }
    }
}
