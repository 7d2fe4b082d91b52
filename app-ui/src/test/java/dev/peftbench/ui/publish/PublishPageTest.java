package dev.peftbench.ui.publish;

import dev.peftbench.publish.manifest.ResourceKinds;
import dev.peftbench.ui.ShellController;
import dev.peftbench.ui.TestWindows;
import dev.peftbench.ui.WorkbenchWindow;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import javafx.scene.control.Label;
import javafx.scene.control.TextArea;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Publishes from the page to fabric8's mock API server (CRUD mode) with the KServe CRDs registered. */
@EnableKubernetesMockClient(crud = true)
@ExtendWith(ApplicationExtension.class)
class PublishPageTest {
    static KubernetesMockServer server;
    static KubernetesClient client;

    private WorkbenchWindow window;

    @BeforeEach
    void cluster() throws IOException {
        client.apiextensions().v1().customResourceDefinitions().list().getItems().forEach(c -> client.resource(c).delete());
        client.namespaces().list().getItems().forEach(n -> client.resource(n).delete());
        try (InputStream crd = new FileInputStream("../k8s-publish/src/test/resources/crds/serving.kserve.io_servingruntimes.yaml")) {
            client.apiextensions().v1().customResourceDefinitions().load(crd).create();
        }
    }

    @Start
    void start(Stage stage) {
        Cluster mock = new Cluster() {
            @Override
            public List<String> contexts() {
                return List.of("mock");
            }

            @Override
            public KubernetesClient open(String context) {
                return server.createClient();
            }
        };
        window = TestWindows.open(stage, TestWindows.workbench(), mock);
        window.shell().show(ShellController.Page.PUBLISH);
    }

    @Test
    void publishingWatchesTheServiceUntilReadyAndDeleteRemovesIt(FxRobot robot) {
        client.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("modelmesh-serving").endMetadata().build()).create();
        replace(robot, "#imageField", "registry.example/peft-workbench:0.1");
        assertTrue(robot.lookup("#yamlArea").queryAs(TextArea.class).getText().contains("registry.example/peft-workbench:0.1"),
                "the preview follows the fields");

        robot.clickOn("#publishButton");
        TestWindows.waitUntil(() -> isvc() != null);
        // ModelMesh is not running in the mock: report the InferenceService Ready as its controller would.
        GenericKubernetesResource isvc = isvc();
        isvc.setAdditionalProperty("status", Map.of("conditions", List.of(Map.of("type", "Ready", "status", "True"))));
        client.genericKubernetesResources(ResourceKinds.INFERENCE_SERVICE).inNamespace("modelmesh-serving").resource(isvc).update();
        TestWindows.waitUntil(() -> !window.publish().busyProperty().get());

        String status = robot.lookup("#publishStatusLabel").queryAs(Label.class).getText();
        assertTrue(status.startsWith("Ready: "), status + " / " + window.publish().errorProperty().get());
        assertTrue(window.publish().events().stream().anyMatch(e -> e.message().startsWith("created InferenceService")));

        robot.clickOn("#deleteButton");
        TestWindows.waitUntil(() -> !window.publish().busyProperty().get());
        assertNull(isvc(), "Delete removes the InferenceService");
    }

    @Test
    void aFailedPreCheckIsShownInlineAndTheFormStaysUsable(FxRobot robot) {
        replace(robot, "#imageField", "registry.example/peft-workbench:0.1");
        replace(robot, "#namespaceField", "missing-ns");
        robot.clickOn("#publishButton");
        TestWindows.waitUntil(() -> !window.publish().busyProperty().get());

        String error = robot.lookup("#publishErrorLabel").queryAs(Label.class).getText();
        assertTrue(error.contains("namespace missing-ns does not exist"), error);
        assertFalse(robot.lookup("#publishButton").query().isDisabled());
    }

    @Test
    void anInvalidNameIsExplainedInsteadOfPreviewed(FxRobot robot) {
        replace(robot, "#serviceNameField", "Not_A_Name");

        String error = robot.lookup("#planErrorLabel").queryAs(Label.class).getText();
        assertTrue(error.contains("service name 'Not_A_Name'"), error);
        assertTrue(robot.lookup("#publishButton").query().isDisabled());
    }

    @Test
    void anApiKeySecretIsReferencedInThePreviewNeverItsValue(FxRobot robot) {
        replace(robot, "#imageField", "registry.example/peft-workbench:0.1");
        replace(robot, "#apiKeySecretField", "peft-key");
        String yaml = robot.lookup("#yamlArea").queryAs(TextArea.class).getText();
        assertTrue(yaml.contains("PEFTBENCH_API_KEY") && yaml.contains("secretKeyRef") && yaml.contains("peft-key"), yaml);
        replace(robot, "#apiKeySecretField", "Bad_Secret");
        String error = robot.lookup("#planErrorLabel").queryAs(Label.class).getText();
        assertTrue(error.contains("API key Secret name"), error);
        replace(robot, "#apiKeySecretField", "");
    }

    private static GenericKubernetesResource isvc() {
        return client.genericKubernetesResources(ResourceKinds.INFERENCE_SERVICE).inNamespace("modelmesh-serving")
                .withName("peft-demo").get();
    }

    private static void replace(FxRobot robot, String query, String text) {
        robot.clickOn(query).press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL).write(text);
    }
}
