package dev.peftbench.cli;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The reference pages cannot drift from the code: docs/cli.md's option tables are picocli's model of every
 * command, docs/settings.md's table is every {@code Setting} declaration, the README's model-choice table is
 * {@code ModelChoice}'s entry points. A new or changed option or setting
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

    @Test
    void readmeShowsModelChoicesTableAsTheCodeOrdersIt() throws IOException {
        check(DOCS.resolveSibling("README.md"), CliReference.modelChoice());
    }

    private static void check(Path page, String rendered) throws IOException {
        if (Boolean.getBoolean(CliReference.REGENERATE)) {
            CliReference.write(page, rendered);
        }
        String part = CliReference.generatedPart(Files.readString(page));
        assertNotNull(part, page + " lost its generated part's markers");
        String expected = rendered.strip() + "\n";
        if (!expected.equals(part)) {
            fail(page + " differs from the code at " + firstDifference(expected, part) + "\nregenerate it with\n  "
                    + CliReference.HOW_TO_REGENERATE);
        }
    }

    /** The first line where the page's part and the rendering part ways, both sides, so the failure reads at a glance. */
    private static String firstDifference(String expected, String actual) {
        List<String> want = expected.lines().toList();
        List<String> have = actual.lines().toList();
        int i = 0;
        while (i < want.size() && i < have.size() && want.get(i).equals(have.get(i))) {
            i++;
        }
        return "line " + (i + 1) + " of its generated part:\n  code: " + (i < want.size() ? want.get(i) : "(end)")
                + "\n  page: " + (i < have.size() ? have.get(i) : "(end)");
    }
}
