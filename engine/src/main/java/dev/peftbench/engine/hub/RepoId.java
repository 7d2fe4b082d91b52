package dev.peftbench.engine.hub;

import dev.peftbench.engine.EngineException;

import java.util.regex.Pattern;

/**
 * A model repository on the Hub, {@code ORG/NAME}, checked as huggingface_hub's {@code validate_repo_id}
 * checks it (letters, digits, {@code . _ -}; no {@code --} or {@code ..}; at most 96 characters).
 */
public record RepoId(String value) {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final int MAX_LENGTH = 96;

    public RepoId {
        if (!isValid(value)) {
            throw EngineException.invalid("'" + value + "' is not a Hub model id: expected ORG/NAME (letters, digits, '.', '_', '-'; "
                    + "no '--' or '..'; at most " + MAX_LENGTH + " characters), e.g. bigscience/bloomz-560m");
        }
    }

    public static boolean isValid(String value) {
        return value != null && value.length() <= MAX_LENGTH && ID.matcher(value).matches()
                && !value.contains("--") && !value.contains("..") && !value.endsWith(".") && !value.endsWith("-");
    }

    /** The repository's folder in the cache, as huggingface_hub's {@code repo_folder_name} names it. */
    public String folderName() {
        return "models--" + value.replace("/", "--");
    }

    @Override
    public String toString() {
        return value;
    }
}
