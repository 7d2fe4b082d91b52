package dev.peftbench.contract;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * Which build this is (the version and commit the build wrote into {@code build.properties}) and which
 * Java runs it: what {@code peftbench --version}, the workbench's About and the runtime image's labels say.
 *
 * @param version   the project's version, e.g. 0.1.0-SNAPSHOT
 * @param commit    the abbreviated commit built, or "unknown" (built outside a git checkout)
 * @param built     the day it was built, or "" when unknown
 */
public record BuildInfo(String version, String commit, String built) {

    private static final String RESOURCE = "build.properties";
    private static final BuildInfo CURRENT = read();

    public static BuildInfo current() {
        return CURRENT;
    }

    static BuildInfo read() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        return of(p);
    }

    /** From the properties the build wrote; a value the build could not fill (no git) reads as unknown. */
    static BuildInfo of(Properties p) {
        return new BuildInfo(filled(p, "version", "unknown"), filled(p, "commit", "unknown"), filled(p, "built", ""));
    }

    private static String filled(Properties p, String key, String otherwise) {
        String value = p.getProperty(key, "").trim();
        return value.isEmpty() || value.startsWith("${") ? otherwise : value;
    }

    /** {@code peftbench --version}: the build, then the runtime. */
    public List<String> describe() {
        String when = built.isEmpty() ? "" : ", built " + built;
        return List.of("peftbench " + version + " (commit " + commit + when + ")", runtime());
    }

    /** The Java running this process, where it lives, and the platform. */
    public static String runtime() {
        return "runtime: Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "unknown vendor") + ") at "
                + System.getProperty("java.home") + ", " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    }
}
