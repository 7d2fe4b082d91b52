package dev.peftbench.engine.hub;

import dev.peftbench.engine.EngineException;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How to reach the Hugging Face Hub and where its cache is, read from the environment exactly as
 * huggingface_hub's {@code constants.py} and {@code utils/_auth.py} read it, so Python tools and this
 * project share one cache and one login.
 *
 * @param endpoint {@code HF_ENDPOINT} (default {@code https://huggingface.co}), without a trailing slash
 * @param token    {@code HF_TOKEN} (or the older {@code HUGGING_FACE_HUB_TOKEN}), else the token file
 *                 ({@code HF_TOKEN_PATH}, default {@code $HF_HOME/token}); null when there is none
 * @param caches   the cache folders a Hub id is looked up in, in order; downloads go to the first one,
 *                 huggingface_hub's {@code HF_HUB_CACHE}
 * @param offline  {@code HF_HUB_OFFLINE} (or {@code TRANSFORMERS_OFFLINE}) is 1/ON/YES/TRUE: no request is made
 */
public record HubSettings(URI endpoint, String token, List<Path> caches, boolean offline) {

    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    // huggingface_hub's variable names (constants.py); each is written here only, so messages use these.
    public static final String HF_ENDPOINT = "HF_ENDPOINT";
    public static final String HF_TOKEN = "HF_TOKEN";
    public static final String HF_TOKEN_PATH = "HF_TOKEN_PATH";
    public static final String HF_HOME = "HF_HOME";
    public static final String HF_HUB_CACHE = "HF_HUB_CACHE";
    public static final String HF_HUB_OFFLINE = "HF_HUB_OFFLINE";
    private static final String OLD_TOKEN = "HUGGING_FACE_HUB_TOKEN";
    private static final String OLD_CACHE = "HUGGINGFACE_HUB_CACHE";
    private static final String TRANSFORMERS_OFFLINE = "TRANSFORMERS_OFFLINE";
    private static final String XDG_CACHE_HOME = "XDG_CACHE_HOME";
    private static final Set<String> TRUE = Set.of("1", "ON", "YES", "TRUE");

    public HubSettings {
        if (endpoint == null || endpoint.getHost() == null
                || !("http".equalsIgnoreCase(endpoint.getScheme()) || "https".equalsIgnoreCase(endpoint.getScheme()))) {
            throw EngineException.invalid(HF_ENDPOINT + " '" + endpoint + "' is not an http(s) URL, e.g. " + DEFAULT_ENDPOINT);
        }
        endpoint = URI.create(endpoint.toString().replaceAll("/+$", ""));
        token = token == null || token.isBlank() ? null : token.strip();
        if (caches == null || caches.isEmpty()) {
            throw EngineException.invalid("no Hugging Face cache folder given");
        }
        caches = List.copyOf(caches);
    }

    /** The cache downloads are written to. */
    public Path downloadCache() {
        return caches.getFirst();
    }

    public static HubSettings fromEnvironment() {
        Map<String, String> env = System.getenv();
        return fromEnvironment(env, home(env, System.getProperty("os.name", ""), Path.of(System.getProperty("user.home"))));
    }

    /**
     * The {@code ~} of huggingface_hub's defaults as Python's {@code os.path.expanduser} reads it: {@code $HOME} where set
     * (POSIX; a relative one is ignored), else the account's home (Java's user.home comes from the password file, so a
     * {@code HOME=/tmp/x python ...} and a {@code HOME=/tmp/x peftbench ...} would otherwise use different caches).
     * Windows' Python reads USERPROFILE, which user.home already is.
     */
    static Path home(Map<String, String> env, String osName, Path accountHome) {
        String home = env.get("HOME");
        boolean windows = osName.toLowerCase(Locale.ROOT).startsWith("windows");
        return windows || home == null || home.isBlank() || !Path.of(home).isAbsolute() ? accountHome : Path.of(home);
    }

    public static HubSettings fromEnvironment(Map<String, String> env, Path home) {
        String endpoint = value(env, HF_ENDPOINT);
        URI uri;
        try {
            uri = new URI(endpoint == null ? DEFAULT_ENDPOINT : endpoint);
        } catch (URISyntaxException e) {
            throw EngineException.invalid(HF_ENDPOINT + " '" + endpoint + "' is not a URL: " + e.getReason());
        }
        String offline = value(env, HF_HUB_OFFLINE) != null ? value(env, HF_HUB_OFFLINE) : value(env, TRANSFORMERS_OFFLINE);
        return new HubSettings(uri, token(env, home), cacheDirs(env, home),
                offline != null && TRUE.contains(offline.strip().toUpperCase(Locale.ROOT)));
    }

    /**
     * huggingface_hub's {@code HF_HUB_CACHE} first ({@code $HF_HUB_CACHE}, {@code $HUGGINGFACE_HUB_CACHE},
     * else {@code $HF_HOME/hub}, {@code $HF_HOME} defaulting to {@code $XDG_CACHE_HOME/huggingface} or
     * {@code ~/.cache/huggingface}), then {@code $HF_HOME/hub} and {@code ~/.cache/huggingface/hub}, where a
     * model may have been put by a tool run with other settings.
     */
    static List<Path> cacheDirs(Map<String, String> env, Path home) {
        Set<Path> dirs = new LinkedHashSet<>();
        Path hubCache = path(env, HF_HUB_CACHE, home);
        if (hubCache == null) {
            hubCache = path(env, OLD_CACHE, home);
        }
        dirs.add(hubCache != null ? hubCache : hfHome(env, home).resolve("hub"));
        Path hfHome = path(env, HF_HOME, home);
        if (hfHome != null) {
            dirs.add(hfHome.resolve("hub"));
        }
        dirs.add(home.resolve(".cache/huggingface/hub"));
        return List.copyOf(dirs);
    }

    private static Path hfHome(Map<String, String> env, Path home) {
        Path hfHome = path(env, HF_HOME, home);
        if (hfHome != null) {
            return hfHome;
        }
        Path xdg = path(env, XDG_CACHE_HOME, home);
        return (xdg != null ? xdg : home.resolve(".cache")).resolve("huggingface");
    }

    /** {@code _get_token_from_environment} then {@code _get_token_from_file}. */
    private static String token(Map<String, String> env, Path home) {
        for (String name : List.of(HF_TOKEN, OLD_TOKEN)) {
            if (value(env, name) != null) {
                return value(env, name);
            }
        }
        Path file = path(env, HF_TOKEN_PATH, home);
        if (file == null) {
            file = hfHome(env, home).resolve("token");
        }
        try {
            return Files.isRegularFile(file) ? Files.readString(file).replace("\r", "").replace("\n", "").strip() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static String value(Map<String, String> env, String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    /** A path variable with a leading {@code ~} expanded, as {@code os.path.expanduser} does. */
    private static Path path(Map<String, String> env, String name, Path home) {
        String v = value(env, name);
        if (v == null) {
            return null;
        }
        if (v.equals("~") || v.startsWith("~/")) {
            return home.resolve(v.substring(Math.min(2, v.length())));
        }
        return Path.of(v);
    }
}
