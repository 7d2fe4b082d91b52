package dev.peftbench.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * README.md and docs/*.md: every relative link leads somewhere (a file, and a heading for an anchor), and every
 * {@code ./peftbench ...} line in their shell code blocks parses with the real command line.
 */
class DocsLinksAndCommandsTest {

    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();

    @Test
    void everyLinkResolvesAndEveryCommandParses() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(HOME.resolve("README.md")));
        try (Stream<Path> docs = Files.list(HOME.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        assertTrue(pages.size() > 5, "README and docs pages: " + pages);
        DocsCheck check = new DocsCheck();
        List<String> problems = new ArrayList<>();
        for (Path page : pages) {
            problems.addAll(check.check(page));
        }
        assertEquals(List.of(), problems, String.join("\n", problems));
    }

    @Test
    void aBrokenLinkAMissingHeadingAndAMisspelledFlagAreEachFound(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("other.md"), "# Other page\n\n## The `serve` command, in short\n");
        Path page = dir.resolve("page.md");
        Files.writeString(page, """
                # Page

                [fine](other.md#the-serve-command-in-short), [self](#page), [web](https://example.com/x.md),
                [gone](missing.md), [no heading](other.md#nowhere), `[in code](missing-too.md)`

                ```bash
                PEFTBENCH_DTYPE=bfloat16 ./peftbench generate --prompt "a | b" --max-new-tokens 5 | tee out.txt
                ./peftbench generate --prompt x \\
                    --max-new-tokenz 5
                ./peftbench test -Dtest=Nothing
                ```

                ```text
                ./peftbench generate --not-checked-here
                ```
                """);
        List<String> problems = new DocsCheck().check(page);
        assertEquals(3, problems.size(), String.join("\n", problems));
        assertTrue(problems.get(0).startsWith("page.md:4: link to a missing file: missing.md"), problems.get(0));
        assertTrue(problems.get(1).startsWith("page.md:4: link to a missing heading: other.md#nowhere"), problems.get(1));
        assertTrue(problems.get(2).startsWith("page.md:8: ./peftbench generate --prompt x --max-new-tokenz 5: "), problems.get(2));
        assertTrue(problems.get(2).contains("--max-new-tokenz"), problems.get(2));
    }

    @Test
    void headingsGetGitHubsAnchors() {
        assertEquals("the-serve-command-in-short", DocsCheck.slug("The `serve` command, in short"));
        assertEquals("before-round-three-beside-llamacpp-on-an-intel-xeon-2026-11-29",
                DocsCheck.slug("Before round three: beside llama.cpp on an Intel Xeon (2026-11-29)"));
        assertEquals("how-to-add-a-family", DocsCheck.slug("How to add a [family](x.md)"));
    }
}
