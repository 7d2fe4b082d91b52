package dev.peftbench.serve.repository;

import dev.peftbench.serve.Failure;
import dev.peftbench.serve.ServeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoadPolicyTest {

    @TempDir
    Path tmp;

    private static Failure refusal(LoadPolicy policy, String value) {
        return assertThrows(ServeException.class, () -> policy.check("base_model", value)).failure();
    }

    @Test
    void foldersInsideTheRootsLoadAndOthersAreForbiddenWhetherTheyExistOrNot() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("models"));
        Path model = Files.createDirectories(root.resolve("tiny"));
        Path outside = Files.createDirectories(tmp.resolve("elsewhere"));
        LoadPolicy policy = LoadPolicy.DEFAULT.withRoots(List.of(root));
        policy.check("base_model", model.toString());
        policy.check("base_model", root.resolve("not-yet").toString());
        assertEquals(Failure.FORBIDDEN, refusal(policy, outside.toString()));
        assertEquals(Failure.FORBIDDEN, refusal(policy, "/etc"));
        assertEquals(Failure.FORBIDDEN, refusal(policy, "/no/such/folder"));
        assertEquals(Failure.FORBIDDEN, refusal(policy, model + "/../../elsewhere"));
        String message = assertThrows(ServeException.class, () -> policy.check("base_model", "/proc/self/cwd")).getMessage();
        assertTrue(message.contains("'/proc/self/cwd'") && !message.contains(String.valueOf(ProcessHandle.current().pid())), message);
    }

    @Test
    void aLinkInsideARootThatLeadsOutIsForbidden() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("models"));
        Path outside = Files.createDirectories(tmp.resolve("secret"));
        Path link = Files.createSymbolicLink(root.resolve("link"), outside);
        assertEquals(Failure.FORBIDDEN, refusal(LoadPolicy.DEFAULT.withRoots(List.of(root)), link.toString()));
    }

    @Test
    void hubIdsLoadUnlessSwitchedOff() {
        LoadPolicy.DEFAULT.check("base_model", "bigscience/bloomz-560m");
        LoadPolicy noHub = new LoadPolicy(true, List.of(), false, 8);
        String message = assertThrows(ServeException.class, () -> noHub.check("base_model", "bigscience/bloomz-560m")).getMessage();
        assertTrue(message.contains("--allow-hub-ids"), message);
    }

    @Test
    void controlCharactersAreABadRequest() {
        assertEquals(Failure.BAD_REQUEST, refusal(LoadPolicy.DEFAULT, "/models/a\u0000b"));
        assertEquals(Failure.BAD_REQUEST, refusal(LoadPolicy.DEFAULT, "a\nb"));
    }

    @Test
    void aSwitchedOffRepositoryRefusesLoads() {
        ServeException e = assertThrows(ServeException.class, () -> new LoadPolicy(false, List.of(), true, 8).requireEnabled());
        assertEquals(Failure.FORBIDDEN, e.failure());
        assertTrue(e.getMessage().contains("--repository-api"), e.getMessage());
        LoadPolicy.DEFAULT.requireEnabled();
        assertFalse(assertThrows(IllegalArgumentException.class, () -> new LoadPolicy(true, List.of(), true, 0))
                .getMessage().isEmpty());
    }
}
