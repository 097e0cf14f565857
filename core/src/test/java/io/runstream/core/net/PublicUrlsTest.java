package io.runstream.core.net;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runstream.core.startup.StartupFailures;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class PublicUrlsTest {
  private static final PublicUrls STRICT =
      new PublicUrls(new PublicUrls.Settings(false, List.of()));

  private static PublicUrls.Kind refused(PublicUrls urls, String url) {
    return urls.refusal(url).map(PublicUrls.Refusal::kind).orElse(PublicUrls.Kind.PUBLIC);
  }

  @Test
  void loopbackPrivateLinkLocalAndMetadataAddressesAreRefusedInEverySpelling() {
    for (String url :
        List.of(
            "http://127.0.0.1/x.png",
            "http://127.1/",
            "http://2130706433/",
            "http://0177.0.0.1/",
            "http://0x7f.0.0.1/",
            "http://0x7f000001/",
            "http://127.0.0.1.:8080/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
            "http://[0:0:0:0:0:0:0:1]/",
            "http://localhost/a.png",
            "http://LOCALHOST./",
            "http://app.localhost/",
            "http://user:pw@127.0.0.1/",
            "http://\uff11\uff12\uff17.0.0.1/",
            "http://127\u30020\u30020\u30021/",
            "http://[2002:7f00:1::]/",
            "http://[64:ff9b::7f00:1]/")) {
      assertThat(refused(STRICT, url)).as(url).isEqualTo(PublicUrls.Kind.LOOPBACK);
    }
    for (String url :
        List.of(
            "http://10.0.0.5/",
            "https://172.16.3.4/",
            "http://172.31.255.255/",
            "http://192.168.1.1/",
            "http://100.64.0.1/",
            "http://[fd12:3456::1]/",
            "http://[fc00::1]/",
            "http://[fec0::1]/")) {
      assertThat(refused(STRICT, url)).as(url).isEqualTo(PublicUrls.Kind.PRIVATE);
    }
    for (String url :
        List.of(
            "http://169.254.169.254/latest/meta-data/",
            "http://[fd00:ec2::254]/",
            "http://metadata.google.internal/computeMetadata/v1/",
            "http://metadata/",
            "http://169.254.170.2/v2",
            "http://100.100.100.200/",
            "http://[::ffff:169.254.169.254]/",
            "http://0xa9fea9fe/")) {
      assertThat(refused(STRICT, url)).as(url).isEqualTo(PublicUrls.Kind.METADATA);
    }
    assertThat(refused(STRICT, "http://169.254.1.1/")).isEqualTo(PublicUrls.Kind.LINK_LOCAL);
    assertThat(refused(STRICT, "http://[fe80::1]/")).isEqualTo(PublicUrls.Kind.LINK_LOCAL);
    assertThat(refused(STRICT, "http://0.0.0.0/")).isEqualTo(PublicUrls.Kind.UNSPECIFIED);
    assertThat(refused(STRICT, "http://[::]/")).isEqualTo(PublicUrls.Kind.UNSPECIFIED);
    assertThat(refused(STRICT, "http://224.0.0.1/")).isEqualTo(PublicUrls.Kind.MULTICAST);
    assertThat(refused(STRICT, "http://255.255.255.255/")).isEqualTo(PublicUrls.Kind.RESERVED);
    assertThat(refused(STRICT, "http://vault/")).isEqualTo(PublicUrls.Kind.INTERNAL_NAME);
    assertThat(refused(STRICT, "http://flows.internal/hook"))
        .isEqualTo(PublicUrls.Kind.INTERNAL_NAME);
    assertThat(refused(STRICT, "http://printer.local/")).isEqualTo(PublicUrls.Kind.INTERNAL_NAME);
  }

  @Test
  void publicAddressesAndNamesPass() {
    for (String url :
        List.of(
            "https://img.example.com/cat.png",
            "http://8.8.8.8/",
            "https://[2606:4700::1111]/a",
            "http://172.32.0.1/",
            "http://100.128.0.1/",
            "https://cdn.example.com:8443/a.png?x=1#y",
            "https://my_bucket.example.com/a.png",
            "http://[::ffff:8.8.8.8]/")) {
      assertThat(STRICT.refusal(url)).as(url).isEmpty();
    }
  }

  @Test
  void whatNoResolverCanReadIsRefusedAsInvalid() {
    for (String url :
        List.of(
            "http://1.2.3.256/",
            "http://0x1ffffffff/",
            "http://08.0.0.1/",
            "ftp://example.com/",
            "http://%31%32%37.0.0.1/",
            "http://[fe80::1%25eth0]/",
            "http:///nohost",
            "not a url",
            "http://[::1/")) {
      assertThat(STRICT.refusal(url))
          .as(url)
          .hasValueSatisfying(
              r -> {
                assertThat(r.kind()).isNull();
                assertThat(r.reason()).isEqualTo("must be an http or https URL with a valid host");
              });
    }
  }

  @Test
  void theSettingsAllowPrivateAddressesButMetadataOnlyWhenListed() {
    PublicUrls lenient = new PublicUrls(new PublicUrls.Settings(true, List.of()));
    assertThat(lenient.refusal("http://127.0.0.1:8080/hook")).isEmpty();
    assertThat(lenient.refusal("http://10.1.2.3/")).isEmpty();
    assertThat(lenient.refusal("http://flows.internal/")).isEmpty();
    assertThat(refused(lenient, "http://169.254.169.254/")).isEqualTo(PublicUrls.Kind.METADATA);

    PublicUrls listed =
        new PublicUrls(
            new PublicUrls.Settings(
                false,
                List.of(
                    "127.0.0.1", "flows.internal", "10.20.0.0/16", "[::1]", "169.254.169.254")));
    assertThat(listed.refusal("http://127.0.0.1:1234/")).isEmpty();
    assertThat(listed.refusal("http://0177.0.0.1/"))
        .as("the same address, spelt otherwise")
        .isEmpty();
    assertThat(listed.refusal("http://FLOWS.internal./hook")).isEmpty();
    assertThat(listed.refusal("http://10.20.7.1/")).isEmpty();
    assertThat(listed.refusal("http://[::1]/")).isEmpty();
    assertThat(listed.refusal("http://169.254.169.254/")).isEmpty();
    assertThat(refused(listed, "http://127.0.0.2/")).isEqualTo(PublicUrls.Kind.LOOPBACK);
    assertThat(refused(listed, "http://10.21.0.1/")).isEqualTo(PublicUrls.Kind.PRIVATE);
    assertThat(refused(listed, "http://other.internal/")).isEqualTo(PublicUrls.Kind.INTERNAL_NAME);

    assertThatThrownBy(() -> new PublicUrls(new PublicUrls.Settings(false, List.of("10.0.0.0/40"))))
        .isInstanceOf(StartupFailures.SettingRefused.class)
        .hasMessageContaining(PublicUrls.ALLOWED_HOSTS);
  }

  @Test
  void aNameIsCheckedByWhatItResolvesToWithinTheDeadline() throws Exception {
    Map<String, String> dns =
        Map.of(
            "images.example.com",
            "10.0.0.7",
            "cdn.example.com",
            "93.184.215.14",
            "rebind.example.net",
            "127.0.0.1",
            "hooks.example.org",
            "10.20.0.9");
    CountDownLatch never = new CountDownLatch(1);
    PublicUrls.Lookup lookup =
        name -> {
          if (name.equals("slow.example.com")) {
            try {
              never.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          String address = dns.get(name);
          if (address == null) {
            throw new UnknownHostException(name);
          }
          return new InetAddress[] {InetAddress.getByAddress(name, PublicUrls.literal(address))};
        };
    PublicUrls urls =
        new PublicUrls(new PublicUrls.Settings(false, List.of("10.20.0.0/16")), lookup);
    long started = System.nanoTime();
    Map<String, PublicUrls.Refusal> refused =
        urls.refusals(
            List.of(
                "https://images.example.com/a.png",
                "https://cdn.example.com/b.png",
                "http://rebind.example.net/c.png",
                "https://nowhere.example.com/d.png",
                "https://slow.example.com/e.png",
                "http://hooks.example.org/",
                "http://127.0.0.1/f.png"),
            Duration.ofMillis(500));
    never.countDown();
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    assertThat(refused.keySet())
        .containsExactlyInAnyOrder(
            "https://images.example.com/a.png",
            "http://rebind.example.net/c.png",
            "http://127.0.0.1/f.png");
    assertThat(refused.get("https://images.example.com/a.png"))
        .isEqualTo(
            new PublicUrls.Refusal(PublicUrls.Kind.PRIVATE, "images.example.com", "10.0.0.7"));
    assertThat(refused.get("http://rebind.example.net/c.png").kind())
        .isEqualTo(PublicUrls.Kind.LOOPBACK);
  }

  @Test
  void theReasonsSayWhatWasRefusedAndTheOperatorsSayHowToAllowIt() {
    PublicUrls.Refusal loopback = STRICT.refusal("http://127.0.0.1:9/x").orElseThrow();
    assertThat(loopback.reason())
        .isEqualTo("points at a loopback address (127.0.0.1); only public URLs are accepted");
    assertThat(loopback.explanation())
        .isEqualTo(
            "points at a loopback address (127.0.0.1); allow it with "
                + "runstream.security.urls.allowed-hosts=127.0.0.1 (or runstream.security.urls.allow-private=true)");
    PublicUrls.Refusal resolved =
        new PublicUrls.Refusal(PublicUrls.Kind.PRIVATE, "files.corp.example", "10.1.2.3");
    assertThat(resolved.reason())
        .doesNotContain("10.1.2.3")
        .contains("resolves to a private address");
    assertThat(resolved.explanation())
        .contains("files.corp.example, which resolves to a private address (10.1.2.3)");
    assertThat(STRICT.refusal("http://169.254.169.254/").orElseThrow().explanation())
        .doesNotContain("allow-private");
  }
}
