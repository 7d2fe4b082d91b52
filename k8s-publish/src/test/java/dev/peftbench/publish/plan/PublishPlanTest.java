package dev.peftbench.publish.plan;

import dev.peftbench.engine.Backend;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PublishPlanTest {

    private static PublishPlan with(String namespace, String runtime, String service, String image) {
        PublishPlan r = PublishPlan.reference("img:1");
        return new PublishPlan(null, namespace, runtime, service, image, r.modelFormat(), r.baseModel(), r.adapter(),
                null, r.compute(), r.server(), r.resources(), r.adapterSettings(), r.storage(), null, false, null, null);
    }

    @Test
    void invalidDns1123NamesAreRefusedWithTheRule() {
        IllegalArgumentException ns = assertThrows(IllegalArgumentException.class, () -> with("Team_A", "rt", "svc", "img"));
        assertTrue(ns.getMessage().contains("namespace 'Team_A'") && ns.getMessage().contains("DNS-1123"), ns.getMessage());
        IllegalArgumentException rt = assertThrows(IllegalArgumentException.class, () -> with("ns", "-rt", "svc", "img"));
        assertTrue(rt.getMessage().contains("runtime name"), rt.getMessage());
        IllegalArgumentException svc = assertThrows(IllegalArgumentException.class, () -> with("ns", "rt", "1svc", "img"));
        assertTrue(svc.getMessage().contains("starting with a letter"), svc.getMessage());
        assertThrows(IllegalArgumentException.class, () -> with("ns", "rt", "s".repeat(64), "img"));
    }

    @Test
    void missingImageSaysHowToGetOne() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> with("ns", "rt", "svc", " "));
        assertTrue(e.getMessage().contains("./peftbench image"), e.getMessage());
    }

    @Test
    void theGatewayAcceptsOnlyTheHostsItIsGivenAndEveryHostOnlyWhenAsked() {
        IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> new PublishPlan.Ingress(List.of()));
        assertTrue(none.getMessage().contains("--gateway-host"), none.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PublishPlan.Ingress(List.of("peft example.com")));
        assertThrows(IllegalArgumentException.class, () -> new PublishPlan.Ingress(List.of("a*.example.com")));
        assertEquals(List.of("peft.example.com", "*.example.org", "*"),
                new PublishPlan.Ingress(List.of("peft.example.com", " *.example.org", "*", "peft.example.com")).hosts());
    }

    @Test
    void aModelInTheImageNeedsTheNativeRuntime() {
        PublishPlan r = PublishPlan.reference("img:1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PublishPlan(null, r.namespace(),
                r.runtimeName(), r.serviceName(), r.image(), r.modelFormat(), r.baseModel(), r.adapter(), null, r.compute(),
                r.server(), r.resources(), r.adapterSettings(), PublishPlan.Storage.IN_IMAGE, null, false, null, null));
        assertTrue(e.getMessage().contains("--native-runtime"), e.getMessage());
    }

    @Test
    void aPathForTheModelIsWarnedAboutWithWhatToDoAndAHubIdIsNot(@TempDir Path tmp) {
        PublishPlan r = PublishPlan.reference("img:1");
        assertEquals(List.of(), r.warnings());
        PublishPlan local = new PublishPlan(null, r.namespace(), r.runtimeName(), r.serviceName(), r.image(), r.modelFormat(),
                tmp.toString(), null, null, r.compute(), r.server(), r.resources(), r.adapterSettings(), r.storage(), null,
                false, null, null);
        String warning = String.join("\n", local.warnings());
        assertTrue(warning.contains("PRETRAINED_MODEL_PATH=" + tmp) && warning.contains("a folder of this machine")
                && warning.contains("--model-source baked --bake-model " + tmp) && warning.contains("Hugging Face Hub"), warning);
    }

    @Test
    void publishComputesInBfloat16UnlessTheBackendIsDjlOrTheDeviceAGpu() {
        assertEquals(ComputeType.BFLOAT16, PublishPlan.Compute.publishDefault(null, null, null).dtype());
        assertEquals(ComputeType.FLOAT32, PublishPlan.Compute.publishDefault(ComputeType.FLOAT32, null, null).dtype());
        assertNull(PublishPlan.Compute.publishDefault(null, Backend.DJL, null).dtype());
        assertNull(PublishPlan.Compute.publishDefault(null, null, Device.GPU).dtype());
    }

    @Test
    void portsOfModelMeshContainersAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PublishPlan.ServerSettings(8001, 8080, "127.0.0.1", "m", true, "/models", -1));
        assertTrue(e.getMessage().contains("8080"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PublishPlan.Resources("lots", "4Gi", "5", "5Gi"));
    }
}
