package io.runstream.worker.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runstream.core.net.PublicUrls;
import io.runstream.core.startup.StartupFailures;
import io.runstream.worker.tools.McpProperties;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OutboundUrlsTest {
  private static ActionProperties flow(String url) {
    return new ActionProperties(
        Map.of(
            "post-create",
            new ActionProperties.Flow(URI.create(url), Duration.ofSeconds(10), Map.of())));
  }

  private static McpProperties mcp(String url) {
    return new McpProperties(
        Map.of(
            "remote",
            new McpProperties.Server("", List.of(), Map.of(), url, Duration.ofSeconds(30))));
  }

  private static PublicUrls urls(boolean allowPrivate, String... hosts) {
    return new PublicUrls(new PublicUrls.Settings(allowPrivate, List.of(hosts)));
  }

  @Test
  void aWebhookOnAPrivateAddressStopsTheStartInOneLineNamingTheSetting() {
    assertThatThrownBy(
            () ->
                new OutboundUrls(
                    flow("http://127.0.0.1:9000/flows/post-create"), mcp(""), urls(false)))
        .isInstanceOfSatisfying(
            StartupFailures.SettingRefused.class,
            e ->
                assertThat(
                        StartupFailures.explain(
                            new IllegalStateException("Error creating bean 'outboundUrls'", e)))
                    .contains(
                        "runstream.actions.flows.post-create.url points at a loopback address (127.0.0.1); allow it "
                            + "with runstream.security.urls.allowed-hosts=127.0.0.1 (or runstream.security.urls.allow-private=true)."));
  }

  @Test
  void anMcpServerOnAMetadataOrInternalHostIsRefusedToo() {
    assertThatThrownBy(
            () ->
                new OutboundUrls(
                    new ActionProperties(Map.of()), mcp("http://169.254.169.254/mcp"), urls(true)))
        .hasMessageStartingWith(
            "runstream.mcp.servers.remote.url points at a cloud metadata address (169.254.169.254)")
        .hasMessageNotContaining("allow-private");
    assertThatThrownBy(
            () ->
                new OutboundUrls(
                    new ActionProperties(Map.of()),
                    mcp("http://tools.internal:3001/mcp"),
                    urls(false)))
        .hasMessageStartingWith(
            "runstream.mcp.servers.remote.url points at a host name internal to a network");
  }

  @Test
  void allowedOrPublicUrlsAndStdioServersStart() {
    assertThatCode(
            () ->
                new OutboundUrls(
                    flow("http://127.0.0.1:9000/hook"),
                    mcp("http://10.1.2.3:3001/mcp"),
                    urls(false, "127.0.0.1", "10.1.0.0/16")))
        .doesNotThrowAnyException();
    assertThatCode(
            () ->
                new OutboundUrls(
                    flow("http://localhost:9000/hook"), mcp("http://[::1]:3001/mcp"), urls(true)))
        .doesNotThrowAnyException();
    assertThatCode(() -> new OutboundUrls(flow("https://93.184.215.14/hook"), mcp(""), urls(false)))
        .doesNotThrowAnyException();
  }
}
