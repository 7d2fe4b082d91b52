package dev.peftbench.serve.repository;

import dev.peftbench.engine.hub.HubSettings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Takes the server's own folders out of a message meant for a client: where the client named a
 * folder, the message names it as the client did (not as the server resolved it, which tells the
 * working directory, or the process id through {@code /proc/self}); the Hugging Face cache, the working
 * directory, the temporary folder and the home folder are named by role.
 */
final class ServerPaths {

    private ServerPaths() {
    }

    static String redact(String message, String... sent) {
        if (message == null) {
            return null;
        }
        Map<String, String> replace = new LinkedHashMap<>();
        for (String s : sent) {
            if (s == null) {
                continue;
            }
            try {
                Path p = Path.of(s);
                if (Files.exists(p)) {
                    replace.put(p.toRealPath().toString(), s);
                }
                replace.put(p.toAbsolutePath().normalize().toString(), s);
            } catch (InvalidPathException | IOException | SecurityException e) {
                // nothing of the server's in it to take out
            }
        }
        for (Path cache : HubSettings.fromEnvironment().caches()) {
            replace.put(cache.toAbsolutePath().normalize().toString(), "<Hugging Face cache>");
        }
        replace.put(Path.of("").toAbsolutePath().toString(), ".");
        replace.put(System.getProperty("java.io.tmpdir"), "<tmp>");
        replace.put(System.getProperty("user.home"), "~");
        String out = message;
        for (Map.Entry<String, String> e : replace.entrySet()) {
            if (e.getKey().length() > 1 && !e.getKey().equals(e.getValue())) {
                out = out.replace(e.getKey(), e.getValue());
            }
        }
        return out;
    }
}
