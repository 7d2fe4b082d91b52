package dev.peftbench.serve.repository;

import dev.peftbench.contract.ModelFields;
import dev.peftbench.serve.Failure;
import dev.peftbench.contract.Setting;
import dev.peftbench.serve.ServeException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What the repository API may load: nothing when switched off; else folders inside the allowed roots
 * (the models dir, the Hugging Face cache, the folders of the models the server was started with, and
 * those given with {@code --allow-load-from}), judged after resolving symbolic links, and Hub ids
 * (looked up in, or fetched into, the Hugging Face cache) unless those are switched off. A path outside
 * is refused whether it exists or not, so answers tell nothing about the server's files. At most
 * {@code maxModels} names are registered.
 */
public record LoadPolicy(boolean enabled, List<Path> allowedRoots, boolean hubIds, int maxModels) {

    public static final LoadPolicy DEFAULT = new LoadPolicy(Setting.REPOSITORY_API.defaultValue(), List.of(),
            Setting.ALLOW_HUB_IDS.defaultValue(), Setting.MAX_MODELS.defaultValue());
    private static final Pattern HUB_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*");

    public LoadPolicy {
        allowedRoots = List.copyOf(allowedRoots);
        if (maxModels < 1) {
            throw new IllegalArgumentException(Setting.MAX_MODELS.label() + " must be >= 1, got " + maxModels);
        }
    }

    /** The same policy with more roots (the server's own folders). */
    public LoadPolicy withRoots(Collection<Path> more) {
        List<Path> roots = new ArrayList<>(allowedRoots);
        roots.addAll(more);
        return new LoadPolicy(enabled, roots, hubIds, maxModels);
    }

    /** @throws ServeException FORBIDDEN when the repository API is switched off */
    public void requireEnabled() {
        if (!enabled) {
            throw new ServeException(Failure.FORBIDDEN, "the repository API's load and unload are switched off on this server ("
                    + Setting.REPOSITORY_API.label() + ")");
        }
    }

    /**
     * Checks what a load request names.
     *
     * @throws ServeException BAD_REQUEST for a value that is no path at all, FORBIDDEN for one outside the roots
     */
    public void check(String parameter, String value) {
        if (value == null || value.equalsIgnoreCase(ModelFields.NO_ADAPTER)) {
            return;
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                throw ServeException.badRequest("load parameter " + parameter + " must not contain control characters");
            }
        }
        Path path;
        try {
            path = Path.of(value);
        } catch (InvalidPathException e) {
            throw ServeException.badRequest("load parameter " + parameter + " '" + value + "' is not a valid path or Hub id");
        }
        boolean folder = Files.exists(path);
        if (!folder && HUB_ID.matcher(value).matches()) {
            if (!hubIds) {
                throw new ServeException(Failure.FORBIDDEN, "load parameter " + parameter + " '" + value
                        + "' is a Hub id, and this server loads none through the repository API ("
                        + Setting.ALLOW_HUB_IDS.label() + " false)");
            }
            return;
        }
        if (!inside(path.toAbsolutePath().normalize(), false) || (folder && !inside(realPath(path), true))) {
            throw new ServeException(Failure.FORBIDDEN, "load parameter " + parameter + " '" + value
                    + "' is outside the folders this server loads from (its models dir, the Hugging Face cache, the folders "
                    + "of the models it started with and " + Setting.ALLOW_LOAD_FROM.label() + ")");
        }
    }

    private boolean inside(Path candidate, boolean real) {
        for (Path root : allowedRoots) {
            Path r = real && Files.exists(root) ? realPath(root) : root.toAbsolutePath().normalize();
            if (candidate.startsWith(r)) {
                return true;
            }
        }
        return false;
    }

    private static Path realPath(Path p) {
        try {
            return p.toRealPath();
        } catch (IOException e) {
            return p.toAbsolutePath().normalize();
        }
    }
}
