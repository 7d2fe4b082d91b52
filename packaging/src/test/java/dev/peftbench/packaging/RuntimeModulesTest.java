package dev.peftbench.packaging;

import javafx.fxml.FXMLLoader;
import org.junit.jupiter.api.Test;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

class RuntimeModulesTest {

    @Test
    void whatJavaFxsFxmlLoaderRequiresIsLinkedThoughJdepsDoesNotSayIt() throws URISyntaxException {
        Path fxml = Path.of(FXMLLoader.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Set<String> required = RuntimeModules.requiredByModularJars(List.of(fxml));
        // The workbench's window failed to open from the image without it (NoClassDefFoundError: javax/script/Bindings).
        assertTrue(required.contains("java.scripting"), required.toString());
    }
}
