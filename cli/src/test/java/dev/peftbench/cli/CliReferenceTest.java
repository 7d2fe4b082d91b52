package dev.peftbench.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The reference pages cannot drift from the code: docs/cli.md's option tables are picocli's model of every
 * command, docs/settings.md's table is every {@code Setting} declaration. A new or changed option or setting
 * fails here until the page is regenerated ({@link CliReference#HOW_TO_REGENERATE}).
 */
class CliReferenceTest {

    static final Path DOCS = Path.of("..", "docs").toAbsolutePath().normalize();

    @Test
    void cliPageListsEveryCommandAndOptionAsPicocliDeclaresThem() throws IOException {
        check(DOCS.resolve("cli.md"), CliReference.commands());
    }

    @Test
    void settingsPageListsEveryServerSettingAsDeclared() throws IOException {
        check(DOCS.resolve("settings.md"), CliReference.settings());
    }

    private static void check(Path page, String rendered) throws IOException {
        if (Boolean.getBoolean(CliReference.REGENERATE)) {
            CliReference.write(page, rendered);
        }
        String part = CliReference.generatedPart(Files.readString(page));
        assertNotNull(part, page + " lost its generated part's markers");
        assertEquals(rendered.strip() + "\n", part, page + " differs from the code; regenerate it with\n  " + CliReference.HOW_TO_REGENERATE + "\n");
    }
}
