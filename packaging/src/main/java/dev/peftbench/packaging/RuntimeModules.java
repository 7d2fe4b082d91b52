package dev.peftbench.packaging;

import java.io.File;
import java.lang.module.FindException;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The JDK modules the app's runtime holds: what jdeps finds the jars use, and the ones reached only through
 * services or reflection, which jdeps cannot see.
 */
final class RuntimeModules {

    /**
     * Used without a static reference: the CPU kernels' Vector API (jdeps sees it too, but it must never be
     * left out), TLS curves for the Hub over HTTPS (where the JDK still ships them as a module), extra charsets,
     * zip file systems, DNS through JNDI (Netty, Vert.x), com.sun.management's process figures, and the
     * desktop interop JavaFX's Swing bridge asks for.
     */
    static final List<String> UNSEEN = List.of("jdk.incubator.vector", "jdk.crypto.ec", "jdk.charsets", "jdk.zipfs",
            "jdk.naming.dns", "jdk.management", "jdk.unsupported.desktop");

    private RuntimeModules() {
    }

    /**
     * The JDK modules the modular jars on the class path declare they require: jdeps does not follow into them
     * (JavaFX's FXML loader needs java.scripting, which it never reported).
     */
    static Set<String> requiredByModularJars(List<Path> jars) {
        Set<String> required = new TreeSet<>();
        for (Path jar : jars) {
            try {
                // "requires static" is for compiling only: such a module is optional at run time.
                ModuleFinder.of(jar).findAll().forEach(module -> module.descriptor().requires().stream()
                        .filter(r -> !r.modifiers().contains(ModuleDescriptor.Requires.Modifier.STATIC))
                        .forEach(r -> required.add(r.name())));
            } catch (FindException e) {
                // a jar whose descriptor this JDK cannot read is left to jdeps
            }
        }
        required.removeIf(name -> ModuleFinder.ofSystem().find(name).isEmpty());
        return required;
    }

    /** The modules {@code mainJar} and every jar it reaches on {@code jars} use (--print-module-deps follows them). */
    static List<String> of(Path mainJar, List<Path> jars) {
        String classpath = String.join(File.pathSeparator, jars.stream().map(Path::toString).toList());
        List<String> args = List.of("--print-module-deps", "--ignore-missing-deps", "-q",
                "--multi-release", String.valueOf(Runtime.version().feature()), "--class-path", classpath, mainJar.toString());
        String printed = Tools.jdk("jdeps", args).strip();
        TreeSet<String> modules = new TreeSet<>(List.of(printed.split(",")));
        modules.addAll(requiredByModularJars(jars));
        // Only those this JDK has (jdk.crypto.ec, for one, is gone from newer ones).
        UNSEEN.stream().filter(m -> ModuleFinder.ofSystem().find(m).isPresent()).forEach(modules::add);
        modules.removeIf(String::isBlank);
        return List.copyOf(modules);
    }
}
