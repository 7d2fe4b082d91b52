package dev.peftbench.publish.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.peftbench.engine.Backend;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import dev.peftbench.publish.plan.PublishPlan;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestsTest {

    static final String REFERENCE_IMAGE = "registry.cn-beijing.aliyuncs.com/test/peft-model-server:latest";
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static List<JsonNode> documents(String yaml) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = YAML.getFactory().createParser(yaml)) {
            YAML.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
        }
        return docs;
    }

    private static JsonNode reference(String file) throws IOException {
        return YAML.readTree(Path.of("../sample-data").resolve(file).toFile());
    }

    @Test
    void referenceValuesGiveTheReferenceDocumentsResources() throws IOException {
        List<JsonNode> docs = documents(Manifests.yaml(PublishPlan.reference(REFERENCE_IMAGE)));
        assertEquals(2, docs.size());
        assertEquals(reference("sample-runtime.yaml"), docs.get(0));
        assertEquals(reference("peft-demo-isvc.yaml"), docs.get(1));
    }

    private static JsonSchema crdSchema(String crd, String version) throws IOException {
        JsonNode root = YAML.readTree(Path.of("src/test/resources/crds").resolve(crd).toFile());
        for (JsonNode v : root.path("spec").path("versions")) {
            if (v.path("name").asText().equals(version)) {
                return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4).getSchema(v.path("schema").path("openAPIV3Schema"));
            }
        }
        throw new IllegalStateException(version + " not in " + crd);
    }

    @Test
    void generatedResourcesValidateAgainstTheKServeCrdSchemas() throws IOException {
        PublishPlan plan = new PublishPlan("ctx", "team-a", "my-runtime", "my-service", "example.registry/peft:1",
                PublishPlan.ModelFormat.PEFT, "/models/bloomz", null, "text",
                new PublishPlan.Compute(ComputeType.BFLOAT16, Backend.CPU, Device.CPU), PublishPlan.ServerSettings.REFERENCE,
                new PublishPlan.Resources("1", "2Gi", "2", "3Gi"), PublishPlan.AdapterSettings.DEFAULT,
                new PublishPlan.Storage("s3", "models/bloomz"), true, false, null);
        List<JsonNode> docs = documents(Manifests.yaml(plan));
        assertEquals(4, docs.size());
        Set<ValidationMessage> runtime = crdSchema("serving.kserve.io_servingruntimes.yaml", "v1alpha1").validate(docs.get(0));
        assertTrue(runtime.isEmpty(), runtime.toString());
        Set<ValidationMessage> isvc = crdSchema("serving.kserve.io_inferenceservices.yaml", "v1beta1").validate(docs.get(1));
        assertTrue(isvc.isEmpty(), isvc.toString());
        assertTrue(docs.get(0).at("/spec/containers/0/env").toString().contains("{\"name\":\"PEFTBENCH_DTYPE\",\"value\":\"bfloat16\"}"),
                docs.get(0).toString());
        assertEquals("my-service-gateway", docs.get(3).path("spec").path("gateways").get(0).asText());
        assertEquals("modelmesh-serving.team-a.svc.cluster.local",
                docs.get(3).at("/spec/http/0/route/0/destination/host").asText());
    }

    @Test
    void schemaValidationCatchesAWrongType() throws IOException {
        JsonNode runtime = documents(Manifests.yaml(PublishPlan.reference(REFERENCE_IMAGE))).getFirst();
        ((com.fasterxml.jackson.databind.node.ObjectNode) runtime.path("spec")).put("multiModel", "yes");
        assertTrue(!crdSchema("serving.kserve.io_servingruntimes.yaml", "v1alpha1").validate(runtime).isEmpty(),
                "a string where the CRD wants a boolean must fail validation");
    }

    @Test
    void nativeRuntimeHasNoAdapterSidecarAndStillValidates() throws IOException {
        PublishPlan r = PublishPlan.reference("example.registry/peft:1");
        PublishPlan plan = new PublishPlan(null, r.namespace(), r.runtimeName(), r.serviceName(), r.image(), r.modelFormat(),
                r.baseModel(), null, null, r.compute(), r.server(), r.resources(), r.adapterSettings(), r.storage(), false, true, null);
        JsonNode runtime = documents(Manifests.yaml(plan)).getFirst();
        assertTrue(runtime.path("spec").path("builtInAdapter").isMissingNode(), runtime.toString());
        assertEquals("port:8085", runtime.path("spec").path("grpcEndpoint").asText());
        String env = runtime.at("/spec/containers/0/env").toString();
        assertTrue(env.contains("PEFTBENCH_MMESH_PORT") && !env.contains("MLSERVER_MODEL_NAME"), env);
        Set<ValidationMessage> errors = crdSchema("serving.kserve.io_servingruntimes.yaml", "v1alpha1").validate(runtime);
        assertTrue(errors.isEmpty(), errors.toString());
    }
}
