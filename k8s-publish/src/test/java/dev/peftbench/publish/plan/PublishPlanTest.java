package dev.peftbench.publish.plan;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PublishPlanTest {

    private static PublishPlan with(String namespace, String runtime, String service, String image) {
        PublishPlan r = PublishPlan.reference("img:1");
        return new PublishPlan(null, namespace, runtime, service, image, r.modelFormat(), r.baseModel(), r.adapter(),
                null, r.compute(), r.server(), r.resources(), r.adapterSettings(), r.storage(), false, false, null);
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
    void portsOfModelMeshContainersAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PublishPlan.ServerSettings(8001, 8080, "127.0.0.1", "m", true, "/models", -1));
        assertTrue(e.getMessage().contains("8080"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new PublishPlan.Resources("lots", "4Gi", "5", "5Gi"));
    }
}
