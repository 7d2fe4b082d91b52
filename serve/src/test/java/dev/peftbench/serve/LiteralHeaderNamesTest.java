package dev.peftbench.serve;

import dev.peftbench.engine.Engine;
import dev.peftbench.serve.mmesh.proto.RuntimeStatusResponse;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ServerLiveResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A gRPC call as gRPC C-core encodes it, byte for byte: every header, pseudo-headers included, as an
 * HPACK "literal with incremental indexing, new name" (RFC 7541 section 6.2.1: {@code 0x40}, the name,
 * the value). RFC 9113 allows it; the server must answer it like any other call, on both gRPC ports.
 */
class LiteralHeaderNamesTest {

    private static final int DATA = 0;
    private static final int HEADERS = 1;
    private static final int SETTINGS = 4;
    private static final int GOAWAY = 7;
    private static final int END_STREAM = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int ACK = 0x1;

    private static final Engine ENGINE = TestEngines.engine();
    private static InferenceServer server;

    @BeforeAll
    static void start() throws InterruptedException {
        server = InferenceServer.builder(ServeConfig.defaults().withModel("m", ModelFields.of(TestEngines.TINY_BLOOM.toString(), null))
                .withHost("127.0.0.1").withPorts(0, 0).withMmeshPort(0), ENGINE).start();
        TestEngines.awaitLoaded(server, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        server.close();
        ENGINE.close();
    }

    /** The response message of a unary call sent with literal header names. */
    private static byte[] call(int port, String path) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            frame(out, SETTINGS, 0, 0, new byte[0]);
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            for (String[] h : new String[][] {{":scheme", "http"}, {":method", "POST"}, {":path", path},
                    {":authority", "127.0.0.1:" + port}, {"content-type", "application/grpc"}, {"te", "trailers"},
                    {"user-agent", "grpc-c/29.0.0 (linux; chttp2)"}}) {
                literalNewName(block, h[0], h[1]);
            }
            frame(out, HEADERS, END_HEADERS, 1, block.toByteArray());
            frame(out, DATA, END_STREAM, 1, new byte[] {0, 0, 0, 0, 0}); // an empty request message
            out.flush();

            DataInputStream in = new DataInputStream(socket.getInputStream());
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            while (true) {
                int length = (in.readUnsignedShort() << 8) | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                int stream = in.readInt() & 0x7fffffff;
                byte[] payload = in.readNBytes(length);
                assertNotEquals(GOAWAY, type, () -> "GOAWAY: " + new String(payload, StandardCharsets.ISO_8859_1));
                if (type == SETTINGS && (flags & ACK) == 0) {
                    frame(out, SETTINGS, ACK, 0, new byte[0]);
                }
                if (type == DATA && stream == 1) {
                    message.write(payload);
                }
                if (stream == 1 && (flags & END_STREAM) != 0) {
                    break;
                }
            }
            byte[] framed = message.toByteArray();
            assertTrue(framed.length >= 5 && framed[0] == 0, "no gRPC message in the answer: " + Arrays.toString(framed));
            return Arrays.copyOfRange(framed, 5, framed.length);
        }
    }

    private static void literalNewName(ByteArrayOutputStream block, String name, String value) {
        block.write(0x40);
        for (String s : new String[] {name, value}) {
            byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
            block.write(bytes.length); // every string here is shorter than 127: a one-byte length, no Huffman
            block.writeBytes(bytes);
        }
    }

    private static void frame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
        out.write(new byte[] {(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length,
                (byte) type, (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream});
        out.write(payload);
    }

    @Test
    void v2PortAnswersACallWithLiteralPseudoHeaderNames() throws IOException {
        ServerLiveResponse live = ServerLiveResponse.parseFrom(call(server.grpcPort(), "/inference.GRPCInferenceService/ServerLive"));
        assertTrue(live.getLive());
    }

    @Test
    void modelMeshPortAnswersACallWithLiteralPseudoHeaderNames() throws IOException {
        RuntimeStatusResponse status = RuntimeStatusResponse.parseFrom(call(server.mmeshPort(), "/mmesh.ModelRuntime/runtimeStatus"));
        assertEquals(RuntimeStatusResponse.Status.READY, status.getStatus());
    }
}
