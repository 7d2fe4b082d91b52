package dev.peftbench.engine.hub;

import dev.peftbench.engine.EngineException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;

/**
 * One repository's folder in a Hugging Face cache, laid out as huggingface_hub's {@code file_download.py}
 * lays it out: {@code blobs/<etag>} holds each file's bytes once, {@code snapshots/<commit>/<path>} are
 * relative symbolic links to the blobs, {@code refs/<revision>} holds the commit a branch or tag pointed
 * to, and {@code <cache>/.locks/<repo folder>/<etag>.lock} keeps two processes from writing one blob.
 */
public final class CacheRepo {

    private static final Logger LOG = LoggerFactory.getLogger(CacheRepo.class);
    /** Locks held by this process: a FileLock is per process, so threads queue here first. */
    private static final ConcurrentHashMap<Path, ReentrantLock> LOCAL_LOCKS = new ConcurrentHashMap<>();

    private final Path cache;
    private final RepoId repo;
    private final Path dir;

    public CacheRepo(Path cache, RepoId repo) {
        this.cache = cache;
        this.repo = repo;
        this.dir = cache.resolve(repo.folderName());
    }

    public Path dir() {
        return dir;
    }

    /**
     * The snapshot {@code revision} stands for, when it is in this cache and usable: {@code refs/<revision>}'s
     * commit, or the revision itself when it is a commit; for {@code main} without a ref, the only snapshot there is.
     */
    public Optional<Path> snapshot(String revision) {
        Path snapshots = dir.resolve("snapshots");
        if (!Files.isDirectory(snapshots)) {
            return Optional.empty();
        }
        try {
            Path ref = dir.resolve("refs").resolve(revision).normalize();
            String commit = ref.startsWith(dir.resolve("refs")) && Files.isRegularFile(ref)
                    ? Files.readString(ref).strip() : revision;
            if (!commit.isEmpty() && isSafeName(commit) && usable(snapshots.resolve(commit))) {
                return Optional.of(snapshots.resolve(commit));
            }
            if (revision.equals("main")) {
                try (Stream<Path> all = Files.list(snapshots)) {
                    List<Path> dirs = all.filter(Files::isDirectory).toList();
                    if (dirs.size() == 1 && usable(dirs.getFirst())) {
                        return Optional.of(dirs.getFirst());
                    }
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * A snapshot counts once the file that says what it is (config.json, adapter_config.json) is in
     * it: downloads link it last, so a snapshot cut short is not taken for a model.
     */
    static boolean usable(Path snapshot) {
        return Files.isRegularFile(snapshot.resolve("config.json")) || Files.isRegularFile(snapshot.resolve("adapter_config.json"));
    }

    Path blob(String etag) {
        return dir.resolve("blobs").resolve(checkedName(etag, "ETag"));
    }

    /** Where a blob's bytes land until they are all there and checked; a later download resumes it. */
    Path incomplete(String etag) {
        return dir.resolve("blobs").resolve(checkedName(etag, "ETag") + ".incomplete");
    }

    /** {@code snapshots/<commit>/<file>}, refused if a name would lead outside the snapshot. */
    Path pointer(String commit, String file) {
        Path snapshot = dir.resolve("snapshots").resolve(checkedName(commit, "commit"));
        Path pointer = snapshot.resolve(file).normalize();
        if (!pointer.startsWith(snapshot) || pointer.equals(snapshot)) {
            throw EngineException.loadFailed("the Hub named a file outside the snapshot: '" + file + "'");
        }
        return pointer;
    }

    /** Records that {@code revision} is at {@code commit} (nothing to record when it is the commit itself). */
    void writeRef(String revision, String commit) throws IOException {
        if (revision.equals(commit)) {
            return;
        }
        Path ref = dir.resolve("refs").resolve(revision).normalize();
        if (!ref.startsWith(dir.resolve("refs"))) {
            throw EngineException.invalid("revision '" + revision + "' is not a branch, tag or commit name");
        }
        if (Files.isRegularFile(ref) && Files.readString(ref).equals(commit)) {
            return;
        }
        Files.createDirectories(ref.getParent());
        // Written aside and renamed, so a reader never sees half a ref.
        Path tmp = ref.resolveSibling(ref.getFileName() + "." + UUID.randomUUID().toString().substring(0, 8) + ".tmp");
        Files.writeString(tmp, commit);
        Files.move(tmp, ref, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Points {@code pointer} at {@code blob} with a relative link (the cache can move); copies where links are not allowed. */
    static void link(Path blob, Path pointer) throws IOException {
        Files.createDirectories(pointer.getParent());
        Files.deleteIfExists(pointer);
        try {
            Files.createSymbolicLink(pointer, pointer.getParent().relativize(blob));
        } catch (FileAlreadyExistsException e) {
            // Another download linked it meanwhile: fine if to the same blob (huggingface_hub's _create_symlink).
            if (!Files.isSameFile(pointer, blob)) {
                throw e;
            }
        } catch (UnsupportedOperationException | FileSystemException e) {
            Files.copy(blob, pointer, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Runs {@code action} holding the blob's lock, against other threads and other processes. */
    <T> T withBlobLock(String etag, IoAction<T> action) throws IOException, InterruptedException {
        Path lockFile = cache.resolve(".locks").resolve(repo.folderName()).resolve(checkedName(etag, "ETag") + ".lock");
        Files.createDirectories(lockFile.getParent());
        ReentrantLock local = LOCAL_LOCKS.computeIfAbsent(lockFile.toAbsolutePath().normalize(), p -> new ReentrantLock());
        local.lockInterruptibly();
        try (FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = lock(channel, lockFile)) {
            return action.run();
        } finally {
            local.unlock();
        }
    }

    /** Waits for another process's download of the same blob, saying so every 10 s (huggingface_hub's WeakFileLock). */
    private static FileLock lock(FileChannel channel, Path lockFile) throws IOException, InterruptedException {
        long start = System.nanoTime();
        long said = 0;
        FileLock lock;
        while ((lock = channel.tryLock()) == null) {
            long waited = (System.nanoTime() - start) / 1_000_000_000L;
            if (waited >= said + 10) {
                said = waited;
                LOG.info("waiting {} s for another process downloading the same file ({})", waited, lockFile);
            }
            Thread.sleep(100);
        }
        return lock;
    }

    @FunctionalInterface
    interface IoAction<T> {
        T run() throws IOException, InterruptedException;
    }

    private static boolean isSafeName(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..") && name.indexOf('/') < 0
                && name.indexOf('\\') < 0 && name.indexOf('\0') < 0;
    }

    private static String checkedName(String name, String what) {
        if (name == null || !isSafeName(name)) {
            throw EngineException.loadFailed("the Hub answered an unusable " + what + " '" + name + "'");
        }
        return name;
    }
}
