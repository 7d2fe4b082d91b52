package dev.peftbench.serve;

import dev.peftbench.contract.Setting;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.helidon.common.configurable.Resource;
import io.helidon.common.pki.Keys;
import io.helidon.common.tls.Tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A certificate chain and its private key in PEM (the key unencrypted PKCS#8, {@code BEGIN PRIVATE KEY},
 * as {@code openssl genpkey} and cert-manager write it), served on the REST and both gRPC ports.
 */
public record TlsFiles(Path certChain, Path privateKey) {

    public TlsFiles {
        for (Path p : new Path[] {certChain, privateKey}) {
            if (p == null) {
                throw new IllegalArgumentException("TLS needs both " + Setting.TLS_CERT.label() + " and " + Setting.TLS_KEY.label());
            }
            if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
                throw new IllegalArgumentException((p == certChain ? Setting.TLS_CERT : Setting.TLS_KEY).label()
                        + ": " + p + " is not a readable file");
            }
        }
    }

    /** The REST port's TLS (Helidon). */
    public Tls forRest() {
        try {
            Keys keys = Keys.builder().pem(pem -> pem.key(Resource.create(privateKey)).certChain(Resource.create(certChain))).build();
            return Tls.builder()
                    .privateKey(keys.privateKey().orElseThrow(() -> new IllegalArgumentException(
                            Setting.TLS_KEY.label() + ": " + privateKey + " holds no PEM private key (PKCS#8, BEGIN PRIVATE KEY)")))
                    .privateKeyCertChain(keys.certChain())
                    .build();
        } catch (RuntimeException e) {
            if (e instanceof IllegalArgumentException) {
                throw e;
            }
            throw new IllegalArgumentException("cannot use " + certChain + " and " + privateKey + " for TLS: " + e.getMessage(), e);
        }
    }

    /** The gRPC ports' TLS (grpc-java). */
    public ServerCredentials forGrpc() {
        try {
            return TlsServerCredentials.create(certChain.toFile(), privateKey.toFile());
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot use " + certChain + " and " + privateKey + " for TLS: " + e.getMessage(), e);
        }
    }
}
