package dev.peftbench.serve.v2.grpc;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ClientDeadlineTest {

    @Test
    void grpcTimeoutHeaderUnitsAreReadAsNanoseconds() {
        assertEquals(300_000_000L, ClientDeadline.parse("300m"));
        assertEquals(2_000_000_000L, ClientDeadline.parse("2S"));
        assertEquals(60_000_000_000L, ClientDeadline.parse("1M"));
        assertEquals(5_000L, ClientDeadline.parse("5u"));
    }

    @Test
    void malformedHeaderMeansNoDeadline() {
        assertNull(ClientDeadline.parse("soon"));
        assertNull(ClientDeadline.parse("10x"));
        assertNull(ClientDeadline.parse(null));
    }
}
