package dev.peftbench.engine.hub;

import java.util.List;

/**
 * What {@code GET /api/models/{repo}/revision/{revision}} says: the commit the revision is at
 * ({@code sha}; null when the Hub left it out) and the repository's files ({@code siblings[].rfilename}).
 */
record RepoRevision(String commit, List<String> files) {
    RepoRevision {
        files = List.copyOf(files);
    }
}
