package dev.peftbench.engine.hub;

import org.slf4j.Logger;

/**
 * Hears a snapshot download's progress, a few times a second at most, always on the thread that
 * called the download; throwing from it stops the download (what is on disk stays resumable).
 */
@FunctionalInterface
public interface DownloadListener {

    DownloadListener NONE = progress -> { };

    void progress(DownloadProgress progress);

    default DownloadListener andThen(DownloadListener next) {
        return p -> {
            progress(p);
            next.progress(p);
        };
    }

    /** One INFO line per tenth of the bytes (and at the end), for logs such as a pod's. */
    static DownloadListener logTo(Logger log) {
        int[] lastTenth = {-1};
        return p -> {
            int tenth = (int) (p.fraction() * 10);
            if (tenth != lastTenth[0]) {
                lastTenth[0] = tenth;
                log.info("downloading {}: {}%, {}", p.repo(), tenth * 10, p.describe());
            }
        };
    }
}
