package dev.peftbench.engine.hub;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.load.HfSnapshot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Downloads from a fake Hub with the real Hub's answers into a cache laid out as huggingface_hub lays it out. */
@Timeout(60)
class SnapshotDownloadTest {

    static final Path FIXTURES = Path.of("src/test/resources/fixtures");
    static final Path MODEL = FIXTURES.resolve("tiny-bloom");
    /** Short waits so retries cost milliseconds; the behaviour is the default policy's. */
    static final HubClient.RetryPolicy FAST = new HubClient.RetryPolicy(3, Duration.ofMillis(10), Duration.ofMillis(40), Duration.ofSeconds(5));

    @TempDir
    Path tmp;
    private final FakeHub hub = FakeHub.start();

    @AfterEach
    void stop() {
        hub.close();
    }

    private Path cache() {
        return tmp.resolve("hub");
    }

    private HubSettings online(String token) {
        return new HubSettings(hub.endpoint(), token, List.of(cache()), false);
    }

    private SnapshotDownload.Result pull(String id, String revision, FileSelection selection) {
        return pull(online(null), id, revision, selection);
    }

    private SnapshotDownload.Result pull(HubSettings settings, String id, String revision, FileSelection selection) {
        return new SnapshotDownload(settings, FAST).download(new RepoId(id), revision, selection, DownloadListener.NONE);
    }

    private Path repoDir(String id) {
        return cache().resolve(new RepoId(id).folderName());
    }

    private static void assertSameBytes(Path source, Path snapshot, List<String> files) throws IOException {
        for (String f : files) {
            assertArrayEquals(Files.readAllBytes(source.resolve(f)), Files.readAllBytes(snapshot.resolve(f)), f);
        }
    }

    private List<FakeHub.Request> requests(String method) {
        return hub.requests().stream().filter(r -> r.method().equals(method)).toList();
    }

    @Test
    void aPullWritesBlobsSnapshotLinksAndTheRefAsHuggingfaceHubDoes() throws IOException {
        hub.serve("bigscience/tiny-bloom", MODEL);
        String commit = hub.commit("bigscience/tiny-bloom");

        SnapshotDownload.Result result = pull("bigscience/tiny-bloom", "main", FileSelection.FOR_LOAD);

        Path repo = repoDir("bigscience/tiny-bloom");
        assertEquals(repo.resolve("snapshots").resolve(commit), result.snapshot());
        assertEquals(commit, Files.readString(repo.resolve("refs/main")), "refs/main holds the commit, nothing else");
        assertEquals(hub.files("bigscience/tiny-bloom").stream().sorted().toList(), result.files().stream().sorted().toList());
        assertSameBytes(MODEL, result.snapshot(), result.files());
        for (String f : result.files()) {
            Path link = result.snapshot().resolve(f);
            assertTrue(Files.isSymbolicLink(link), f + " is a link");
            String etag = f.endsWith(".safetensors") ? hub.sha256("bigscience/tiny-bloom", f) : hub.gitSha1("bigscience/tiny-bloom", f);
            assertEquals(Path.of("../../blobs", etag), Files.readSymbolicLink(link), "relative link to blobs/<etag> for " + f);
        }
        try (Stream<Path> blobs = Files.list(repo.resolve("blobs"))) {
            assertFalse(blobs.anyMatch(b -> b.toString().endsWith(".incomplete")));
        }
        assertEquals(result.snapshot(), HfSnapshot.resolve("bigscience/tiny-bloom",
                new HubSettings(hub.endpoint(), null, List.of(cache()), true), DownloadListener.NONE));
        long sourceBytes = 0;
        for (String f : result.files()) {
            sourceBytes += Files.size(MODEL.resolve(f));
        }
        assertEquals(sourceBytes, result.bytesDownloaded());
    }

    @Test
    void theTokenGoesToTheHubButNotToTheCdnARedirectLeadsTo() {
        hub.serve("org/model", MODEL);
        pull(online("hf_secret"), "org/model", "main", FileSelection.FOR_LOAD);

        List<FakeHub.Request> cdn = hub.requests().stream().filter(r -> r.host().equals("cdn")).toList();
        assertFalse(cdn.isEmpty(), "the weights came from the CDN");
        cdn.forEach(r -> assertNull(r.authorization(), "no token to " + r));
        hub.requests().stream().filter(r -> r.host().equals("hub"))
                .forEach(r -> assertEquals("Bearer hf_secret", r.authorization(), r.toString()));
        assertTrue(requests("HEAD").stream().allMatch(r -> r.path().contains("/resolve/" + hub.commit("org/model") + "/")),
                "files are asked for at the listed commit, as snapshot_download asks");
    }

    @Test
    void onlyTheFilesALoadNeedsComeAndSafetensorsWinOverBin() throws IOException {
        Path repo = copy(MODEL, tmp.resolve("src"));
        Files.copy(FIXTURES.resolve("tiny-bloom-bin/pytorch_model.bin"), repo.resolve("pytorch_model.bin"));
        Files.writeString(repo.resolve("README.md"), "# a model card");
        Files.writeString(repo.resolve(".gitattributes"), "*.safetensors filter=lfs");
        Files.writeString(repo.resolve("training_args.bin"), "not needed");
        Files.createDirectories(repo.resolve("onnx"));
        Files.writeString(repo.resolve("onnx/model.onnx"), "not needed");
        hub.serve("org/model", repo);

        SnapshotDownload.Result result = pull("org/model", "main", FileSelection.FOR_LOAD);

        assertEquals(List.of("config.json", "generation_config.json", "model.safetensors", "special_tokens_map.json",
                "tokenizer.json", "tokenizer_config.json"), result.files().stream().sorted().toList());
        assertTrue(hub.requests().stream().noneMatch(r -> r.path().endsWith(".bin") || r.path().endsWith("README.md")
                || r.path().contains("onnx")), "nothing else is asked for");
        assertSameBytes(repo, result.snapshot(), result.files());
    }

    @Test
    void aShardedModelBringsItsIndexAndTheShardsItNames() throws IOException {
        Path sharded = FIXTURES.resolve("tiny-bloom-sharded");
        hub.serve("org/sharded", sharded);

        SnapshotDownload.Result result = pull("org/sharded", "main", FileSelection.FOR_LOAD);

        assertTrue(result.files().containsAll(List.of("model.safetensors.index.json", "model-00001-of-00002.safetensors",
                "model-00002-of-00002.safetensors")), result.files().toString());
        assertSameBytes(sharded, result.snapshot(), result.files());
    }

    @Test
    void anAdapterRepositoryBringsItsAdapterFiles() throws IOException {
        Path adapter = FIXTURES.resolve("tiny-bloom-prompt-tuning");
        hub.serve("aipipeline/tiny-pt", adapter);

        SnapshotDownload.Result result = pull("aipipeline/tiny-pt", "main", FileSelection.FOR_LOAD);

        assertEquals(List.of("adapter_config.json", "adapter_model.safetensors"), result.files().stream().sorted().toList());
        assertSameBytes(adapter, result.snapshot(), result.files());
    }

    @Test
    void includeGlobsPickFilesAsFnmatchDoes() throws IOException {
        Path repo = copy(MODEL, tmp.resolve("src"));
        Files.createDirectories(repo.resolve("onnx"));
        Files.writeString(repo.resolve("onnx/model.onnx"), "graph");
        hub.serve("org/model", repo);

        assertEquals(List.of("config.json", "generation_config.json", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json"),
                pull("org/model", "main", new FileSelection(List.of("*.json"))).files().stream().sorted().toList());
        SnapshotDownload.Result onnx = pull("org/model", "main", new FileSelection(List.of("onnx/")));
        assertEquals(List.of("onnx/model.onnx"), onnx.files());
        assertEquals("graph", Files.readString(onnx.snapshot().resolve("onnx/model.onnx")));
        EngineException none = assertThrows(EngineException.class, () -> pull("org/model", "main", new FileSelection(List.of("*.gguf"))));
        assertTrue(none.getMessage().contains("*.gguf") && none.getMessage().contains("config.json"), none.getMessage());
    }

    @Test
    void aRevisionOtherThanMainIsRecordedUnderItsOwnRef() throws IOException {
        hub.serve("org/model", MODEL, "v1.0");

        SnapshotDownload.Result result = pull("org/model", "v1.0", FileSelection.FOR_LOAD);

        assertEquals(hub.commit("org/model"), Files.readString(repoDir("org/model").resolve("refs/v1.0")));
        assertFalse(Files.exists(repoDir("org/model").resolve("refs/main")));
        assertEquals(result.snapshot(), pull(new HubSettings(hub.endpoint(), null, List.of(cache()), true), "org/model", "v1.0",
                FileSelection.FOR_LOAD).snapshot(), "found offline by its ref");
    }

    @Test
    void aGatedRepositoryWithoutTokenSaysToSetHfTokenAndAcceptTheLicence() throws IOException {
        hub.serve("meta/gated", MODEL).gate("meta/gated", "hf_granted");

        EngineException refused = assertThrows(EngineException.class, () -> pull("meta/gated", "main", FileSelection.FOR_LOAD));
        assertTrue(refused.getMessage().contains("401") && refused.getMessage().contains("HF_TOKEN")
                && refused.getMessage().contains("licence") && refused.getMessage().contains("meta/gated"), refused.getMessage());
        EngineException wrong = assertThrows(EngineException.class, () -> pull(online("hf_other"), "meta/gated", "main", FileSelection.FOR_LOAD));
        assertTrue(wrong.getMessage().contains("refused"), wrong.getMessage());

        SnapshotDownload.Result result = pull(online("hf_granted"), "meta/gated", "main", FileSelection.FOR_LOAD);
        assertSameBytes(MODEL, result.snapshot(), result.files());
    }

    @Test
    void aHubThatRefusesConnectionsIsReportedInWordsWithoutJavaClassNames() throws IOException {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        HubSettings refused = new HubSettings(java.net.URI.create("http://127.0.0.1:" + closedPort), null, List.of(cache()), false);
        EngineException e = assertThrows(EngineException.class, () -> pull(refused, "org/model", "main", FileSelection.FOR_LOAD));
        assertTrue(e.getMessage().contains("no connection"), e.getMessage());
        assertFalse(e.getMessage().contains("java."), e.getMessage());
    }

    @Test
    void anUnknownRepositoryOrRevisionIsNotFoundNamingIdAndRevision() {
        hub.serve("org/model", MODEL);

        EngineException repo = assertThrows(EngineException.class, () -> pull("org/nothing", "main", FileSelection.FOR_LOAD));
        assertEquals(EngineException.Kind.NOT_FOUND, repo.kind());
        assertTrue(repo.getMessage().contains("org/nothing") && repo.getMessage().contains("main"), repo.getMessage());
        EngineException revision = assertThrows(EngineException.class, () -> pull("org/model", "v9", FileSelection.FOR_LOAD));
        assertEquals(EngineException.Kind.NOT_FOUND, revision.kind());
        assertTrue(revision.getMessage().contains("org/model") && revision.getMessage().contains("'v9'"), revision.getMessage());
    }

    @Test
    void aRenamedRepositoryIsFollowedToItsNewName() throws IOException {
        hub.serve("bigscience/new-name", MODEL).rename("bigscience/old-name", "bigscience/new-name");

        SnapshotDownload.Result result = pull("bigscience/old-name", "main", FileSelection.FOR_LOAD);

        assertTrue(result.snapshot().startsWith(repoDir("bigscience/old-name")), "cached under the name asked for, as huggingface_hub");
        assertSameBytes(MODEL, result.snapshot(), result.files());
    }

    @Test
    void aConnectionDroppedMidFileIsResumedWithARangeRequest() throws IOException {
        hub.serve("org/model", MODEL).dropOnce("model.safetensors", 100_000);

        SnapshotDownload.Result result = pull("org/model", "main", FileSelection.FOR_LOAD);

        assertSameBytes(MODEL, result.snapshot(), result.files());
        List<FakeHub.Request> gets = requests("GET").stream().filter(r -> r.path().startsWith("/lfs/")).toList();
        assertEquals(2, gets.size(), gets.toString());
        assertNull(gets.get(0).range());
        assertEquals("bytes=100000-", gets.get(1).range());
    }

    @Test
    void aCancelledDownloadKeepsItsPartialBlobAndTheNextOneResumesIt() throws Exception {
        hub.serve("org/model", MODEL);
        CountDownLatch release = hub.holdAfter("model.safetensors", 200_000);
        Path partial = repoDir("org/model").resolve("blobs").resolve(hub.sha256("org/model", "model.safetensors") + ".incomplete");
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread download = new Thread(() -> {
            try {
                pull("org/model", "main", FileSelection.FOR_LOAD);
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        download.start();
        while (!Files.exists(partial) || Files.size(partial) < 200_000) {
            Thread.sleep(10);
        }
        download.interrupt();
        download.join(10_000);

        assertFalse(download.isAlive());
        assertEquals(EngineException.Kind.CANCELLED, ((EngineException) failure.get()).kind(), String.valueOf(failure.get()));
        assertEquals(200_000, Files.size(partial), "what arrived stays for the next run");
        assertFalse(Files.exists(partial.resolveSibling(hub.sha256("org/model", "model.safetensors"))));
        assertTrue(HfSnapshot.cachedModels(List.of(cache())).isEmpty(), "a snapshot cut short is not listed");

        release.countDown();
        SnapshotDownload.Result result = pull("org/model", "main", FileSelection.FOR_LOAD);
        assertSameBytes(MODEL, result.snapshot(), result.files());
        List<FakeHub.Request> gets = requests("GET").stream().filter(r -> r.path().startsWith("/lfs/")).toList();
        assertEquals("bytes=200000-", gets.getLast().range());
        assertFalse(Files.exists(partial));
    }

    @Test
    void filesDownloadSeveralAtOnce() throws Exception {
        hub.serve("org/model", MODEL);
        CountDownLatch weights = hub.holdAfter("model.safetensors", 1000);
        CountDownLatch tokenizer = hub.holdAfter("tokenizer.json", 1000);
        Path blobs = repoDir("org/model").resolve("blobs");
        Thread download = new Thread(() -> pull("org/model", "main", FileSelection.FOR_LOAD));
        download.start();
        try {
            while (partials(blobs) < 2) {
                Thread.sleep(10);
            }
        } finally {
            weights.countDown();
            tokenizer.countDown();
            download.join(10_000);
        }
        assertTrue(Files.isDirectory(repoDir("org/model").resolve("snapshots")));
    }

    @Test
    void twoDownloadsOfOneModelAtOnceFetchEachBlobOnce() throws Exception {
        hub.serve("org/model", MODEL);
        CountDownLatch release = hub.holdAfter("model.safetensors", 1000);
        ExecutorService two = Executors.newFixedThreadPool(2);
        try {
            Future<SnapshotDownload.Result> first = two.submit(() -> pull("org/model", "main", FileSelection.FOR_LOAD));
            while (partials(repoDir("org/model").resolve("blobs")) == 0) {
                Thread.sleep(10);
            }
            Future<SnapshotDownload.Result> second = two.submit(() -> pull("org/model", "main", FileSelection.FOR_LOAD));
            Thread.sleep(200);
            release.countDown();
            assertEquals(first.get().snapshot(), second.get().snapshot());
            assertSameBytes(MODEL, second.get().snapshot(), second.get().files());
        } finally {
            two.shutdownNow();
        }
        assertEquals(1, requests("GET").stream().filter(r -> r.path().startsWith("/lfs/")).count(), "the second waited for the first's blob");
    }

    private static long partials(Path blobs) throws IOException {
        if (!Files.isDirectory(blobs)) {
            return 0;
        }
        try (Stream<Path> files = Files.list(blobs)) {
            return files.filter(f -> f.toString().endsWith(".incomplete")).count();
        }
    }

    @Test
    void aCorruptLfsFileIsRefusedAndNotKept() throws IOException {
        hub.serve("org/model", MODEL).corrupt("model.safetensors");
        String sha = hub.sha256("org/model", "model.safetensors");

        EngineException e = assertThrows(EngineException.class, () -> pull("org/model", "main", FileSelection.FOR_LOAD));

        assertTrue(e.getMessage().contains("sha256") && e.getMessage().contains(sha), e.getMessage());
        assertFalse(Files.exists(repoDir("org/model").resolve("blobs").resolve(sha)));
        assertFalse(Files.exists(repoDir("org/model").resolve("blobs").resolve(sha + ".incomplete")));
        assertTrue(HfSnapshot.cachedModels(List.of(cache())).isEmpty());
    }

    @Test
    void transientAnswersAreRetriedABoundedNumberOfTimes() {
        hub.serve("org/model", MODEL).failNext(2);
        assertNotNull(pull("org/model", "main", FileSelection.FOR_LOAD));

        hub.failNext(1000);
        int before = hub.requests().size();
        EngineException e = assertThrows(EngineException.class, () -> pull("org/model", "main", FileSelection.FOR_LOAD));
        assertTrue(e.getMessage().contains("503") && e.getMessage().contains("4 tries"), e.getMessage());
        assertEquals(1 + FAST.maxRetries(), hub.requests().size() - before);
    }

    @Test
    void offlineNoRequestIsMadeAndTheMessageSaysWhatIsMissing() {
        hub.serve("org/model", MODEL);
        HubSettings offline = new HubSettings(hub.endpoint(), "hf_token", List.of(cache()), true);

        EngineException e = assertThrows(EngineException.class, () -> pull(offline, "org/model", "main", FileSelection.FOR_LOAD));
        assertEquals(EngineException.Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("org/model") && e.getMessage().contains("HF_HUB_OFFLINE")
                && e.getMessage().contains(repoDir("org/model").toString()), e.getMessage());
        EngineException viaLoad = assertThrows(EngineException.class, () -> HfSnapshot.resolve("org/model", offline, DownloadListener.NONE));
        assertTrue(viaLoad.getMessage().contains("HF_HUB_OFFLINE") && viaLoad.getMessage().contains("pull org/model"), viaLoad.getMessage());
        assertEquals(List.of(), hub.requests());

        Path snapshot = pull("org/model", "main", FileSelection.FOR_LOAD).snapshot();
        int requests = hub.requests().size();
        assertEquals(snapshot, pull(offline, "org/model", "main", FileSelection.FOR_LOAD).snapshot());
        assertEquals(requests, hub.requests().size(), "the cached snapshot is found without the network");
    }

    @Test
    void aSnapshotAlreadyInTheCacheIsNotDownloadedAgain() {
        hub.serve("org/model", MODEL);
        pull("org/model", "main", FileSelection.FOR_LOAD);
        int before = hub.requests().size();

        SnapshotDownload.Result again = pull("org/model", "main", FileSelection.FOR_LOAD);

        List<FakeHub.Request> after = hub.requests().subList(before, hub.requests().size());
        assertEquals(1, after.size(), "only the revision is asked for: " + after);
        assertEquals(0, again.bytesDownloaded());
    }

    @Test
    void aFullDiskIsReportedAndWhatArrivedIsKept() throws IOException {
        Path devFull = Path.of("/dev/full");
        assumeTrue(Files.exists(devFull), "needs /dev/full (Linux) to fill a disk without filling one");
        hub.serve("org/model", MODEL);
        Path blobs = Files.createDirectories(repoDir("org/model").resolve("blobs"));
        Path full = Files.createSymbolicLink(blobs.resolve(hub.sha256("org/model", "model.safetensors") + ".incomplete"), devFull);

        EngineException e = assertThrows(EngineException.class, () -> pull("org/model", "main", FileSelection.FOR_LOAD));
        Files.delete(full);

        assertEquals(EngineException.Kind.LOAD_FAILED, e.kind());
        assertTrue(e.getMessage().contains("No space left on device") && e.getMessage().contains("HF_HUB_CACHE"), e.getMessage());
    }

    static Stream<Arguments> hubAnswers() {
        List<Arguments> all = new ArrayList<>();
        for (FakeHub.LfsAnswer lfs : FakeHub.LfsAnswer.values()) {
            all.add(Arguments.of(lfs, false, false, false));
        }
        all.add(Arguments.of(FakeHub.LfsAnswer.REDIRECT_TO_CDN, true, false, false));
        all.add(Arguments.of(FakeHub.LfsAnswer.DIRECT, true, true, false));
        all.add(Arguments.of(FakeHub.LfsAnswer.REDIRECT_RELATIVE, false, false, true));
        return all.stream();
    }

    @ParameterizedTest
    @MethodSource("hubAnswers")
    void everyShapeOfTheHubsAnswersGivesTheSameCache(FakeHub.LfsAnswer lfs, boolean weakEtags, boolean withoutSha, boolean noHead)
            throws IOException {
        hub.serve("org/model", MODEL).lfsAnswer(lfs);
        if (weakEtags) {
            hub.weakEtags();
        }
        if (withoutSha) {
            hub.listWithoutSha();
        }
        if (noHead) {
            hub.noHead();
        }

        SnapshotDownload.Result result = pull("org/model", "main", FileSelection.FOR_LOAD);

        assertEquals(hub.commit("org/model"), result.commit());
        assertSameBytes(MODEL, result.snapshot(), result.files());
        assertTrue(Files.exists(repoDir("org/model").resolve("blobs").resolve(hub.sha256("org/model", "model.safetensors"))));
    }

    static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }
}
