package io.runstream.launcher;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;

/** A stand-in identity provider for the tests: an RSA key pair and its JWKS served on loopback. */
final class TestIssuer {
  private static TestIssuer instance;

  private final RSAKey key;
  private final HttpServer server;

  private TestIssuer() throws Exception {
    key = new RSAKeyGenerator(2048).keyID("test-key").generate();
    byte[] jwks = new JWKSet(key.toPublicJWK()).toString().getBytes(StandardCharsets.UTF_8);
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/jwks",
        exchange -> {
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, jwks.length);
          exchange.getResponseBody().write(jwks);
          exchange.close();
        });
    String issuer = "http://127.0.0.1:" + server.getAddress().getPort();
    byte[] discovery =
        ("{\"issuer\":\""
                + issuer
                + "\",\"jwks_uri\":\""
                + issuer
                + "/jwks\",\"subject_types_supported\":[\"public\"],"
                + "\"id_token_signing_alg_values_supported\":[\"RS256\"]}")
            .getBytes(StandardCharsets.UTF_8);
    server.createContext(
        "/.well-known/openid-configuration",
        exchange -> {
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, discovery.length);
          exchange.getResponseBody().write(discovery);
          exchange.close();
        });
    server.start();
  }

  static synchronized TestIssuer get() {
    if (instance == null) {
      try {
        instance = new TestIssuer();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
    return instance;
  }

  /** The issuer URI: its discovery document names the JWKS. */
  String issuer() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** An RS256 token signed with this issuer's key (or another, to test refusal). */
  String token(String org, String subject, String issuer, boolean foreignKey) throws Exception {
    RSAKey signing = foreignKey ? new RSAKeyGenerator(2048).keyID("test-key").generate() : key;
    JWTClaimsSet claims =
        new JWTClaimsSet.Builder()
            .subject(subject)
            .issuer(issuer)
            .claim("org", org)
            .claim("name", "Federated " + subject)
            .issueTime(Date.from(Instant.now()))
            .expirationTime(Date.from(Instant.now().plusSeconds(600)))
            .build();
    SignedJWT jwt =
        new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("test-key").build(), claims);
    jwt.sign(new RSASSASigner(signing));
    return jwt.serialize();
  }
}
