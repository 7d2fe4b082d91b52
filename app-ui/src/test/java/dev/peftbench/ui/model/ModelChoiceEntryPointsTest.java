package dev.peftbench.ui.model;

import dev.peftbench.contract.ModelChoice.EntryPoint;
import dev.peftbench.contract.ModelChoiceCases;
import dev.peftbench.contract.ModelChoiceCases.Case;
import dev.peftbench.contract.ModelChoiceCases.Src;
import dev.peftbench.contract.Setting;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.ui.TestWindows;
import dev.peftbench.ui.WorkbenchSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The model-choice table through the workbench: the model a first run opens with, and the Model page's
 * Load of what its fields say, for every combination the table's cases give these entry points.
 */
class ModelChoiceEntryPointsTest {

    @TempDir
    Path dir;

    private String expected(EntryPoint entry, Case c) {
        String expected = ModelChoiceCases.expectedBase(entry, c);
        if (ModelChoiceCases.ADAPTER_BASE.equals(expected)) {
            return ModelChoiceCases.adapterBase(dir);
        }
        return ModelChoiceCases.DEFAULT.equals(expected) ? entry.defaults().baseModel() : expected;
    }

    @Test
    void theFirstRunsModel() throws IOException {
        String adapter = ModelChoiceCases.adapterWithBase(dir).toString();
        for (Case c : ModelChoiceCases.cases(EntryPoint.UI_FIRST_RUN)) {
            Map<String, String> env = new HashMap<>();
            if (c.bases().contains(Src.ENVIRONMENT)) {
                env.put(Setting.BASE_MODEL.env(), ModelChoiceCases.base(Src.ENVIRONMENT));
            }
            if (c.adapterIn() == Src.ENVIRONMENT) {
                env.put(Setting.ADAPTER.env(), adapter);
            }
            assertEquals(expected(EntryPoint.UI_FIRST_RUN, c), WorkbenchSettings.firstRunModel(env).baseModel(), c.toString());
        }
    }

    @Test
    void theModelPagesLoad() throws IOException {
        String adapter = ModelChoiceCases.adapterWithBase(dir).toString();
        ModelViewModel page = new ModelViewModel(TestWindows.workbench(),
                new HubCache(new HubSettings(URI.create("http://127.0.0.1:9"), null, List.of(dir.resolve("hub")), true)));
        for (Case c : ModelChoiceCases.cases(EntryPoint.UI_LOAD)) {
            page.baseModelProperty().set(c.bases().contains(Src.REQUEST) ? ModelChoiceCases.base(Src.REQUEST) : "");
            page.adapterProperty().set(c.adapterIn() == Src.REQUEST ? adapter : "");
            String expected = expected(EntryPoint.UI_LOAD, c);
            if (expected == null) {
                assertThrows(EngineException.class, page::spec, c.toString());
            } else {
                assertEquals(expected, page.spec().baseModel(), c.toString());
            }
        }
    }
}
