package dev.peftbench.serve;

import dev.peftbench.engine.EngineException;
import io.grpc.Status;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class FailureTest {

    @Test
    void engineKindsMapToDesignTableStatuses() {
        assertEquals(404, Failure.of(EngineException.Kind.NOT_FOUND).httpStatus());
        assertEquals(400, Failure.of(EngineException.Kind.INVALID_INPUT).httpStatus());
        assertEquals(503, Failure.of(EngineException.Kind.QUEUE_FULL).httpStatus());
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, Failure.of(EngineException.Kind.QUEUE_FULL).grpcCode());
        assertEquals(Status.Code.UNAVAILABLE, Failure.of(EngineException.Kind.NOT_READY).grpcCode());
        assertEquals(Status.Code.INVALID_ARGUMENT, Failure.of(EngineException.Kind.INVALID_INPUT).grpcCode());
        assertEquals(Status.Code.NOT_FOUND, Failure.of(EngineException.Kind.NOT_FOUND).grpcCode());
    }

    @Test
    void wrappedEngineErrorKeepsItsMessageAndKind() {
        ServeException e = ServeException.from(new CompletionException(EngineException.invalid("prompt too long")));
        assertEquals(Failure.BAD_REQUEST, e.failure());
        assertEquals("prompt too long", e.getMessage());
    }

    @Test
    void timeoutBecomesGatewayTimeout() {
        assertEquals(Failure.TIMEOUT, ServeException.from(new TimeoutException()).failure());
    }

    @Test
    void unexpectedFaultIsInternalWithoutItsStackInTheMessage() {
        ServeException e = ServeException.from(new NullPointerException("secret detail"));
        assertEquals(500, e.failure().httpStatus());
        assertFalse(e.getMessage().contains("secret detail"));
    }
}
