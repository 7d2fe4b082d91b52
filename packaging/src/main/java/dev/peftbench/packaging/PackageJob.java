package dev.peftbench.packaging;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@link Packager} is asked to build, as the packaging module's pom passes it ({@code --key=value}).
 *
 * @param version         the project's version (the archive's name; jpackage gets its numeric part)
 * @param appClasspath    the file listing the app's jars (the cli module's runtime classpath)
 * @param mainJar         the file name of the jar holding the main class
 * @param serverClasspath the file listing the server's jars (the serve module's runtime classpath)
 * @param serverJar       the file name of the serve module's own jar
 * @param sample          the sample-data folder (bundled model, adapters, example data)
 * @param icon            the app's icon (PNG)
 * @param resources       per-platform jpackage resources (linux/: the desktop entry, postinst, prerm)
 * @param work            a folder of the build's own (emptied first)
 * @param dest            where the archives and installers go
 * @param types           what to make besides the app image: "default" (the platform's), or a list of
 *                        app-image, tar, deb, rpm, msi, exe, dmg, pkg
 */
record PackageJob(String version, Path appClasspath, String mainJar, Path serverClasspath, String serverJar, Path sample,
                  Path icon, Path resources, Path work, Path dest, List<String> types) {

    static final Set<String> TYPES = Set.of("app-image", "tar", "deb", "rpm", "msi", "exe", "dmg", "pkg");

    static PackageJob parse(String[] args, TargetPlatform platform) {
        Map<String, String> values = new HashMap<>();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw new IllegalArgumentException("expected --key=value, got " + arg);
            }
            values.put(arg.substring(2, eq), arg.substring(eq + 1));
        }
        String typeList = values.getOrDefault("types", "default");
        List<String> types = typeList.equals("default") ? platform.defaultTypes() : List.of(typeList.split(","));
        for (String type : types) {
            if (!TYPES.contains(type)) {
                throw new IllegalArgumentException("unknown package type " + type + "; one of " + TYPES);
            }
        }
        return new PackageJob(required(values, "version"), path(values, "app-classpath"), required(values, "main-jar"),
                path(values, "server-classpath"), required(values, "server-jar"), path(values, "sample"), path(values, "icon"),
                path(values, "resources"), path(values, "work"), path(values, "dest"), types);
    }

    private static String required(Map<String, String> values, String key) {
        String value = values.get(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return value;
    }

    private static Path path(Map<String, String> values, String key) {
        return Path.of(required(values, key)).toAbsolutePath().normalize();
    }

    /** jpackage takes 1 to 3 dot-separated numbers: 0.1.0-SNAPSHOT becomes 0.1.0. */
    String numericVersion() {
        String numeric = version.replaceFirst("^(\\d+(\\.\\d+){0,2}).*$", "$1");
        if (!numeric.matches("\\d+(\\.\\d+){0,2}")) {
            throw new IllegalArgumentException("version " + version + " does not start with a number");
        }
        return numeric;
    }
}
