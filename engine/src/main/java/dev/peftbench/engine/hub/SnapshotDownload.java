package dev.peftbench.engine.hub;

import dev.peftbench.engine.EngineException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Downloads a snapshot of a Hub repository into the cache the way huggingface_hub's
 * {@code snapshot_download} does: the revision's commit and file list from the API, a {@code HEAD} per
 * file, {@code refs/<revision>} written, each missing blob downloaded (up to 8 at once) to
 * {@code blobs/<etag>.incomplete} and renamed into place once complete (an LFS file's sha256 checked
 * against its ETag first), then the snapshot's links. Files already in the snapshot are not asked about
 * again, blobs already in the cache are not downloaded again, and a partial blob left by an interrupted
 * run resumes where it stopped. The snapshot's config.json / adapter_config.json is linked last, so a
 * snapshot cut short is never taken for a complete one.
 */
public final class SnapshotDownload {

    private static final Logger LOG = LoggerFactory.getLogger(SnapshotDownload.class);
    /** huggingface_hub's {@code max_workers} default. */
    private static final int PARALLEL_FILES = 8;
    private static final long PROGRESS_INTERVAL_MS = 100;

    /**
     * What a download did.
     *
     * @param snapshot        {@code snapshots/<commit>}, ready to load
     * @param files           the snapshot's files that were asked for
     * @param bytesDownloaded bytes received from the network by this run
     */
    public record Result(RepoId repo, String revision, String commit, Path snapshot, List<String> files,
                         long bytesDownloaded, long nanos) {
    }

    private final HubSettings settings;
    private final HubClient.RetryPolicy retry;

    public SnapshotDownload(HubSettings settings) {
        this(settings, HubClient.RetryPolicy.DEFAULT);
    }

    SnapshotDownload(HubSettings settings, HubClient.RetryPolicy retry) {
        this.settings = settings;
        this.retry = retry;
    }

    /**
     * Downloads what {@code selection} picks of {@code repo} at {@code revision} (a branch, tag or commit)
     * and returns the snapshot. Offline, returns the cached snapshot without any request, or says what is missing.
     *
     * @throws EngineException NOT_FOUND (no such repository, revision or file; offline and not cached),
     *                         LOAD_FAILED (refused, network, disk, corrupt file), CANCELLED (interrupted)
     */
    public Result download(RepoId repo, String revision, FileSelection selection, DownloadListener listener) {
        checkRevision(revision);
        long start = System.nanoTime();
        if (settings.offline()) {
            for (Path cache : settings.caches()) {
                Optional<Path> cached = new CacheRepo(cache, repo).snapshot(revision);
                if (cached.isPresent()) {
                    return new Result(repo, revision, cached.get().getFileName().toString(), cached.get(), List.of(), 0, 0);
                }
            }
            throw EngineException.notFound(repo + " (revision '" + revision + "') is not in the local Hugging Face cache (looked in "
                    + settings.caches().stream().map(c -> c.resolve(repo.folderName()).toString()).toList()
                    + ") and " + HubSettings.HF_HUB_OFFLINE + "=1 forbids downloading it: unset " + HubSettings.HF_HUB_OFFLINE + ", or run `./peftbench pull " + repo
                    + "` where the Hub can be reached");
        }
        CacheRepo cache = new CacheRepo(settings.downloadCache(), repo);
        ExecutorService pool = Executors.newFixedThreadPool(PARALLEL_FILES, r -> {
            Thread t = new Thread(r, "hub-download");
            t.setDaemon(true);
            return t;
        });
        try (HubClient client = new HubClient(settings, retry)) {
            Run run = new Run(client, cache, repo, revision, pool, listener, start);
            return run.execute(selection);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EngineException(EngineException.Kind.CANCELLED, "the download of " + repo + " was cancelled; what arrived is kept in "
                    + cache.dir() + " and the next download resumes it");
        } finally {
            pool.shutdownNow();
        }
    }

    private static void checkRevision(String revision) {
        if (revision == null || revision.isBlank() || revision.startsWith("/") || revision.contains("..")
                || revision.chars().anyMatch(Character::isWhitespace)) {
            throw EngineException.invalid("revision '" + revision + "' is not a branch, tag or commit name");
        }
    }

    /** A file of the snapshot and what the Hub said about it (null when its link is already in place). */
    private record Planned(String file, FileMetadata metadata) {
    }

    /** One download's state, shared by its worker threads; the listener is only called on the caller's thread. */
    private final class Run {
        private final HubClient client;
        private final CacheRepo cache;
        private final RepoId repo;
        private final String revision;
        private final ExecutorService pool;
        private final DownloadListener listener;
        private final long start;
        private final AtomicLong bytesDone = new AtomicLong();
        private final AtomicLong bytesThisRun = new AtomicLong();
        private final AtomicInteger filesDone = new AtomicInteger();
        private long bytesTotal;
        private int files;

        Run(HubClient client, CacheRepo cache, RepoId repo, String revision, ExecutorService pool, DownloadListener listener,
            long start) {
            this.client = client;
            this.cache = cache;
            this.repo = repo;
            this.revision = revision;
            this.pool = pool;
            this.listener = listener;
            this.start = start;
        }

        Result execute(FileSelection selection) throws InterruptedException {
            RepoRevision listing = client.revision(repo, revision);
            List<String> wanted = new ArrayList<>(selection.select(repo, revision, listing.files()));
            String commit = listing.commit();
            Map<String, Planned> plan = new LinkedHashMap<>(lookUp(commit, wanted));
            commit = commitOf(commit, plan.values());
            Optional<String> index = wanted.stream().filter(FileSelection::isShardIndex).findFirst();
            if (selection.forLoad() && index.isPresent()) {
                // The shards are the ones the index names: it comes first, then they join the plan.
                fetchAll(commit, List.of(plan.remove(index.get())));
                List<String> shards = FileSelection.shardsNamedBy(cache.pointer(commit, index.get()));
                List<String> more = shards.stream().filter(s -> !wanted.contains(s)).toList();
                plan.putAll(lookUp(commit, more));
                wanted.addAll(more);
            }
            try {
                cache.writeRef(revision, commit);
            } catch (IOException e) {
                // As huggingface_hub: a read-only cache that already has the files still serves them.
                LOG.warn("cannot record {} of {} in {}: {}", revision, repo, cache.dir(), e.getMessage());
            }
            LOG.info("{} at revision {} is commit {}: {} files", repo, revision, commit, wanted.size());
            fetchAll(commit, List.copyOf(plan.values()));
            long nanos = System.nanoTime() - start;
            Path snapshot = cache.dir().resolve("snapshots").resolve(commit);
            LOG.info("{}: {} files in {}, {} downloaded in {} ms", repo, wanted.size(), snapshot,
                    DownloadProgress.bytes(bytesThisRun.get()), nanos / 1_000_000);
            return new Result(repo, revision, commit, snapshot, List.copyOf(wanted), bytesThisRun.get(), nanos);
        }

        /** {@code HEAD}s, in parallel, the files whose link is not in the snapshot yet. */
        private Map<String, Planned> lookUp(String commit, List<String> names) throws InterruptedException {
            List<Callable<Planned>> heads = new ArrayList<>();
            for (String file : names) {
                if (commit != null && Files.exists(cache.pointer(commit, file))) {
                    heads.add(() -> new Planned(file, null));
                } else {
                    heads.add(() -> new Planned(file, head(commit, file)));
                }
            }
            Map<String, Planned> plan = new LinkedHashMap<>();
            for (Planned p : runAll(heads, false)) {
                plan.put(p.file(), p);
            }
            return plan;
        }

        private FileMetadata head(String commit, String file) throws InterruptedException {
            // By commit, as snapshot_download asks, so every file comes from the same commit; by the
            // revision's name when a server knows only that.
            Optional<FileMetadata> m = client.metadata(repo, commit != null ? commit : revision, file);
            if (m.isEmpty() && commit != null && !commit.equals(revision)) {
                m = client.metadata(repo, revision, file);
            }
            FileMetadata metadata = m.orElseThrow(() -> EngineException.notFound(
                    repo + " lists " + file + " but the Hub has no such file at revision '" + revision + "'"));
            if (metadata.etag() == null) {
                throw EngineException.loadFailed("the Hub gave no ETag for " + file + " of " + repo
                        + ", so it cannot be stored in the cache: is " + settings.endpoint() + " a Hugging Face Hub?");
            }
            return metadata;
        }

        private String commitOf(String listed, Collection<Planned> plan) {
            if (listed != null) {
                return listed;
            }
            return plan.stream().map(Planned::metadata).filter(m -> m != null && m.commit() != null).map(FileMetadata::commit)
                    .findFirst().orElseThrow(() -> EngineException.loadFailed("the Hub named no commit for " + repo + " at revision '"
                            + revision + "' (no 'sha', no X-Repo-Commit): is " + settings.endpoint() + " a Hugging Face Hub?"));
        }

        /** Downloads the missing blobs of {@code plan}, then links them into the snapshot (configs last). */
        private void fetchAll(String commit, List<Planned> plan) throws InterruptedException {
            files += plan.size();
            List<Planned> missing = new ArrayList<>();
            List<Callable<Void>> downloads = new ArrayList<>();
            for (Planned p : plan) {
                if (p.metadata() == null) {
                    filesDone.incrementAndGet();
                    continue;
                }
                long size = Math.max(0, p.metadata().size());
                bytesTotal += size;
                if (Files.exists(cache.blob(p.metadata().etag()))) {
                    bytesDone.addAndGet(size);
                    filesDone.incrementAndGet();
                    continue;
                }
                missing.add(p);
                // What this file adds to bytesDone, so that it counts its full size once it is in place
                // (also when another process brought it, or wrote more of it, meanwhile).
                AtomicLong counted = new AtomicLong(partialLength(p.metadata()));
                bytesDone.addAndGet(counted.get());
                downloads.add(() -> {
                    fetchBlob(p, counted);
                    if (p.metadata().size() >= 0) {
                        bytesDone.addAndGet(p.metadata().size() - counted.get());
                    }
                    filesDone.incrementAndGet();
                    return null;
                });
            }
            checkDiskSpace(missing);
            runAll(downloads, true);
            List<Planned> linkOrder = new ArrayList<>(plan);
            linkOrder.sort(Comparator.comparing(p -> p.file().equals("config.json") || p.file().equals("adapter_config.json")));
            try {
                for (Planned p : linkOrder) {
                    if (p.metadata() != null) {
                        CacheRepo.link(cache.blob(p.metadata().etag()), cache.pointer(commit, p.file()));
                    }
                }
            } catch (IOException e) {
                throw EngineException.loadFailed("cannot link the snapshot of " + repo + " in " + cache.dir() + ": " + e.getMessage());
            }
            emit();
        }

        private long partialLength(FileMetadata m) {
            try {
                Path partial = cache.incomplete(m.etag());
                return Files.exists(partial) ? Files.size(partial) : 0;
            } catch (IOException e) {
                return 0;
            }
        }

        /** huggingface_hub only warns; failing before the first byte is kinder than failing at 90%. */
        private void checkDiskSpace(List<Planned> missing) {
            long needed = 0;
            for (Planned p : missing) {
                needed += Math.max(0, p.metadata().size() - partialLength(p.metadata()));
            }
            if (needed == 0) {
                return;
            }
            try {
                Path blobs = Files.createDirectories(cache.dir().resolve("blobs"));
                long free = Files.getFileStore(blobs).getUsableSpace();
                if (free < needed) {
                    throw EngineException.loadFailed("not enough disk space for " + repo + ": " + DownloadProgress.bytes(needed)
                            + " to download, " + DownloadProgress.bytes(free) + " free in " + blobs
                            + "; free some space or point " + HubSettings.HF_HUB_CACHE + " at a larger disk");
                }
            } catch (IOException e) {
                throw EngineException.loadFailed("cannot create " + cache.dir() + ": " + e.getMessage()
                        + " (set " + HubSettings.HF_HOME + " or " + HubSettings.HF_HUB_CACHE + " to a folder you can write)");
            }
        }

        /** One blob: under its lock, unless another thread or process brought it meanwhile. */
        private void fetchBlob(Planned p, AtomicLong counted) throws IOException, InterruptedException {
            FileMetadata m = p.metadata();
            Path blob = cache.blob(m.etag());
            Path partial = cache.incomplete(m.etag());
            String what = p.file() + " of " + repo;
            cache.withBlobLock(m.etag(), () -> {
                if (Files.exists(blob)) {
                    return null;
                }
                Files.createDirectories(blob.getParent());
                long before = Files.exists(partial) ? Files.size(partial) : 0;
                if (before > 0) {
                    LOG.info("{}: resuming at byte {}", what, before);
                }
                try {
                    client.download(m.location(), m.size(), partial, n -> {
                        bytesDone.addAndGet(n);
                        counted.addAndGet(n);
                        if (n > 0) {
                            bytesThisRun.addAndGet(n);
                        }
                    }, what);
                } catch (HubClient.DiskWriteFailure e) {
                    throw EngineException.loadFailed("cannot write " + partial + " (" + e.getMessage() + "): free some space or point "
                            + HubSettings.HF_HUB_CACHE + " at a larger disk; what arrived is kept and the next download resumes it");
                }
                if (m.etagIsSha256()) {
                    String actual = sha256(partial);
                    if (!actual.equals(m.etag())) {
                        Files.delete(partial);
                        bytesDone.addAndGet(-counted.getAndSet(0));
                        throw EngineException.loadFailed(what + " arrived corrupt: its sha256 is " + actual + ", the Hub says "
                                + m.etag() + "; the file was removed, run again to download it anew");
                    }
                }
                Files.move(partial, blob, StandardCopyOption.ATOMIC_MOVE);
                return null;
            });
        }

        /**
         * Runs the tasks on the pool and waits, reporting progress from this thread; the first failure
         * (or an interrupt) cancels the others and is thrown once they have stopped.
         */
        private <T> List<T> runAll(List<Callable<T>> tasks, boolean report) throws InterruptedException {
            List<Future<T>> futures = tasks.stream().map(pool::submit).toList();
            List<T> results = new ArrayList<>();
            try {
                for (Future<T> f : futures) {
                    while (true) {
                        try {
                            results.add(f.get(PROGRESS_INTERVAL_MS, TimeUnit.MILLISECONDS));
                            break;
                        } catch (TimeoutException e) {
                            if (report) {
                                emit();
                            }
                        }
                    }
                }
                return results;
            } catch (ExecutionException e) {
                stop(futures);
                throw asEngineException(e.getCause());
            } catch (InterruptedException | RuntimeException e) {
                stop(futures);
                throw e;
            }
        }

        /** Ends the whole download: interrupts the workers and waits until they have let go of their files. */
        private <T> void stop(List<Future<T>> futures) {
            futures.forEach(f -> f.cancel(true));
            pool.shutdownNow();
            boolean interrupted = Thread.interrupted();
            try {
                if (!pool.awaitTermination(retry.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("{}: download threads still running after cancel", repo);
                }
            } catch (InterruptedException e) {
                interrupted = true;
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }

        private RuntimeException asEngineException(Throwable cause) {
            if (cause instanceof EngineException e) {
                return e;
            }
            if (cause instanceof IOException e) {
                return EngineException.loadFailed("downloading " + repo + " into " + cache.dir() + " failed: " + e.getMessage());
            }
            return new EngineException(EngineException.Kind.INTERNAL, "downloading " + repo + " failed: " + cause, cause);
        }

        private void emit() {
            listener.progress(new DownloadProgress(repo, filesDone.get(), files, bytesDone.get(), bytesTotal, bytesThisRun.get(),
                    System.nanoTime() - start));
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
