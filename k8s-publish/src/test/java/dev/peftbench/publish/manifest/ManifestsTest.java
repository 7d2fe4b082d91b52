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
import static org.junit.jupiter.api.Assertions.assertFalse;
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
                new PublishPlan.Storage("s3", "models/bloomz"), new PublishPlan.Ingress(List.of("peft.example.com")), false,
                new PublishPlan.SecretKeyRef("peft-key", "api-key"),
                new PublishPlan.HubAccess(true, "hf-cache-claim", new PublishPlan.SecretKeyRef("hf", "token")));
        List<JsonNode> docs = documents(Manifests.yaml(plan));
        assertEquals(5, docs.size());
        Set<ValidationMessage> runtime = crdSchema("serving.kserve.io_servingruntimes.yaml", "v1alpha1").validate(docs.get(0));
        assertTrue(runtime.isEmpty(), runtime.toString());
        Set<ValidationMessage> isvc = crdSchema("serving.kserve.io_inferenceservices.yaml", "v1beta1").validate(docs.get(1));
        assertTrue(isvc.isEmpty(), isvc.toString());
        assertTrue(docs.get(0).at("/spec/containers/0/env").toString().contains("{\"name\":\"PEFTBENCH_DTYPE\",\"value\":\"bfloat16\"}"),
                docs.get(0).toString());
        assertEquals("my-service-gateway", docs.get(4).path("spec").path("gateways").get(0).asText());
        assertEquals("modelmesh-serving.team-a.svc.cluster.local",
                docs.get(4).at("/spec/http/0/route/0/destination/host").asText());
    }

    @Test
    void theGatewayAcceptsItsHostsOnlyAndRoutesOpenAiToTheRuntimePods() throws IOException {
        PublishPlan plan = PublishPlan.reference(REFERENCE_IMAGE).withIngress(new PublishPlan.Ingress(List.of("peft.example.com")));
        List<JsonNode> docs = documents(Manifests.yaml(plan));
        JsonNode service = docs.get(2);
        JsonNode gateway = docs.get(3);
        JsonNode routes = docs.get(4);
        assertEquals("[\"peft.example.com\"]", gateway.at("/spec/servers/0/hosts").toString());
        assertEquals("[\"peft.example.com\"]", routes.at("/spec/hosts").toString());
        assertEquals("/v2/", routes.at("/spec/http/0/match/0/uri/prefix").asText());
        assertEquals("modelmesh-serving.modelmesh-serving.svc.cluster.local", routes.at("/spec/http/0/route/0/destination/host").asText());
        assertEquals("/v1/", routes.at("/spec/http/1/match/0/uri/prefix").asText());
        assertEquals("peft-demo-v1.modelmesh-serving.svc.cluster.local", routes.at("/spec/http/1/route/0/destination/host").asText());
        assertEquals(8002, routes.at("/spec/http/1/route/0/destination/port/number").asInt());
        // the /v1/ Service selects the runtime's pods (ModelMesh labels them name=modelmesh-serving-<runtime>) on the HTTP port
        assertEquals("Service", service.path("kind").asText());
        assertEquals("peft-demo-v1", service.at("/metadata/name").asText());
        assertEquals("modelmesh-serving-peft-model-server", service.at("/spec/selector/name").asText());
        assertEquals(8002, service.at("/spec/ports/0/targetPort").asInt());
        // and the server listens beyond the pod's loopback for it
        assertTrue(docs.get(0).at("/spec/containers/0/env").toString().contains("{\"name\":\"MLSERVER_HOST\",\"value\":\"0.0.0.0\"}"),
                docs.get(0).toString());
    }

    @Test
    void aModelBakedIntoTheImageIsNamedByItsFolderAndPulledFromNowhere() throws IOException {
        PublishPlan r = PublishPlan.reference(REFERENCE_IMAGE);
        PublishPlan plan = new PublishPlan(null, r.namespace(), r.runtimeName(), r.serviceName(), r.image(), r.modelFormat(),
                "/models/base", null, null, r.compute(), r.server(), r.resources(), r.adapterSettings(),
                PublishPlan.Storage.IN_IMAGE, null, true, null, null);
        String yaml = Manifests.yaml(plan);
        assertFalse(yaml.contains(PublishPlan.Storage.REFERENCE.path()), yaml);
        List<JsonNode> docs = documents(yaml);
        assertEquals("{\"path\":\"/models/base\"}", docs.get(1).at("/spec/predictor/model/storage").toString());
        assertTrue(docs.get(0).at("/spec/storageHelper/disabled").asBoolean(), docs.get(0).toString());
        assertTrue(crdSchema("serving.kserve.io_servingruntimes.yaml", "v1alpha1").validate(docs.get(0)).isEmpty());
        assertTrue(crdSchema("serving.kserve.io_inferenceservices.yaml", "v1beta1").validate(docs.get(1)).isEmpty());
    }

    @Test
    void theHubCacheIsAVolumeAtTheRuntimesHfHomeAndTheTokenASecretReference() throws IOException {
        PublishPlan plan = PublishPlan.reference(REFERENCE_IMAGE)
                .withHub(new PublishPlan.HubAccess(true, null, new PublishPlan.SecretKeyRef("hf-secret", "token")));
        JsonNode runtime = documents(Manifests.yaml(plan)).getFirst();
        assertEquals("{\"name\":\"hf-cache\",\"emptyDir\":{}}", runtime.at("/spec/volumes/0").toString());
        assertEquals("{\"name\":\"hf-cache\",\"mountPath\":\"/tmp/huggingface\"}",
                runtime.at("/spec/containers/0/volumeMounts/0").toString());
        String env = runtime.at("/spec/containers/0/env").toString();
        assertTrue(env.contains("{\"name\":\"HF_HOME\",\"value\":\"/tmp/huggingface\"}"), env);
        assertTrue(env.contains("{\"name\":\"HF_TOKEN\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"hf-secret\",\"key\":\"token\"}}}"), env);
        Set<ValidationMessage> errors = crdSchema("serving.kserve.io_servingruntimes.yaml", "v1alpha1").validate(runtime);
        assertTrue(errors.isEmpty(), errors.toString());
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
                r.baseModel(), null, null, r.compute(), r.server(), r.resources(), r.adapterSettings(), r.storage(), null, true, null, null);
        JsonNode runtime = documents(Manifests.yaml(plan)).getFirst();
        assertTrue(runtime.path("spec").path("builtInAdapter").isMissingNode(), runtime.toString());
        assertEquals("port:8085", runtime.path("spec").path("grpcEndpoint").asText());
        String env = runtime.at("/spec/containers/0/env").toString();
        assertTrue(env.contains("PEFTBENCH_MMESH_PORT") && !env.contains("MLSERVER_MODEL_NAME"), env);
        Set<ValidationMessage> errors = crdSchema("serving.kserve.io_servingruntimes.yaml", "v1alpha1").validate(runtime);
        assertTrue(errors.isEmpty(), errors.toString());
    }
}
