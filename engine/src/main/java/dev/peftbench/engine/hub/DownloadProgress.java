package dev.peftbench.engine.hub;

import java.util.Locale;

/**
 * Where a snapshot download stands.
 *
 * @param repo         the repository
 * @param filesDone    files in place (already cached ones included)
 * @param files        files to have in place
 * @param bytesDone    bytes of those files on disk (resumed partial files included)
 * @param bytesTotal   bytes of all those files; 0 while not known
 * @param bytesThisRun bytes received by this download, for the rate
 * @param elapsedNanos time since this download started
 */
public record DownloadProgress(RepoId repo, int filesDone, int files, long bytesDone, long bytesTotal,
                               long bytesThisRun, long elapsedNanos) {

    /** Done fraction in [0, 1] by bytes (by files while sizes are unknown). */
    public double fraction() {
        if (bytesTotal > 0) {
            return Math.min(1.0, (double) bytesDone / bytesTotal);
        }
        return files == 0 ? 1.0 : (double) filesDone / files;
    }

    public double bytesPerSecond() {
        return elapsedNanos <= 0 ? 0 : bytesThisRun * 1e9 / elapsedNanos;
    }

    /** Seconds left at the rate so far; -1 when it cannot be told yet. */
    public long etaSeconds() {
        double rate = bytesPerSecond();
        if (rate <= 0 || bytesTotal <= 0) {
            return -1;
        }
        return (long) Math.ceil(Math.max(0, bytesTotal - bytesDone) / rate);
    }

    /** For people: {@code 3/7 files, 12.3 MB / 50.0 MB, 3.1 MB/s, ETA 0:12}. */
    public String describe() {
        StringBuilder s = new StringBuilder()
                .append(filesDone).append('/').append(files).append(" files, ")
                .append(bytes(bytesDone));
        if (bytesTotal > 0) {
            s.append(" / ").append(bytes(bytesTotal));
        }
        s.append(", ").append(bytes((long) bytesPerSecond())).append("/s");
        long eta = etaSeconds();
        if (eta >= 0 && bytesDone < bytesTotal) {
            s.append(", ETA ").append(duration(eta));
        }
        return s.toString();
    }

    /** Decimal units, as huggingface_hub's progress bars print them. */
    static String bytes(long n) {
        if (n < 1000) {
            return n + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double v = n;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }

    static String duration(long seconds) {
        return seconds >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }
}
