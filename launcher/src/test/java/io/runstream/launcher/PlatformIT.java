package io.runstream.launcher;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.runstream.fanout.FanoutApplication;
import io.runstream.infra.embedded.EmbeddedPlatform;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the integration tests: the whole platform in one Spring context (cached, so shared by
 * every test class) on the JVM's one embedded broker and PostgreSQL. Tests isolate by fresh
 * organisations and ids.
 */
@SpringBootTest(
    classes = RunstreamApplication.class,
    webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {
      "server.shutdown=immediate",
      "runstream.worker.shutdown-grace=1s",
      "runstream.worker.reap-interval=500ms",
      "runstream.sink.group-lag-interval=2s",
      "runstream.fanout.max-streams-per-user=30",
      "runstream.fanout.reader-queue=2000",
      "runstream.ingest.run-burst=40",
      "runstream.ingest.service-run-burst=200",
      // Above the run burst: the shared context's users never reach it (LiveRunLimitsIT tests it on
      // a node of its own).
      "runstream.ingest.max-live-runs-per-user=100",
      "runstream.security.service-subjects=svc-backend",
      "runstream.security.cors.allowed-origins=http://localhost:*,https://*.example.com",
      "runstream.ingest.agent-roles=chat,research",
      // Routing (ModelRoutingIT): admins to the Anthropic server, the research role to the
      // OpenAI-compatible one.
      "runstream.routing.rules[0].admin=true",
      "runstream.routing.rules[0].model=local-claude/claude-x",
      "runstream.routing.rules[0].instructions=You serve an administrator.",
      "runstream.routing.rules[1].agent-role=research",
      "runstream.routing.rules[1].model=local-openai/qwen3:8b",
      "runstream.routing.admin-providers=local-claude",
      // Tool approvals (ToolApprovalsIT): the test tool approval.transfer waits for a person, and
      // so does the MCP server's everything.get-env (McpToolsIT).
      "runstream.worker.needs-approval=approval.*,everything.get-env"
    })
@Import({PlatformIT.Spans.class, ApprovalTestTools.class})
abstract class PlatformIT {

  /**
   * Finished spans of the traces a test watches (TraceIT), kept in memory; the spans of every other
   * request of the suite are dropped, so that memory does not grow with the suite.
   */
  @TestConfiguration(proxyBeanMethods = false)
  static class Spans {
    static final InMemorySpanExporter EXPORTER = InMemorySpanExporter.create();
    static final Set<String> WATCHED = ConcurrentHashMap.newKeySet();

    @Bean
    SpanExporter watchedSpans() {
      return new SpanExporter() {
        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
          return EXPORTER.export(
              spans.stream().filter(span -> WATCHED.contains(span.getTraceId())).toList());
        }

        @Override
        public CompletableResultCode flush() {
          return EXPORTER.flush();
        }

        @Override
        public CompletableResultCode shutdown() {
          return EXPORTER.shutdown();
        }
      };
    }
  }

  @LocalServerPort int port;

  @DynamicPropertySource
  static void platform(DynamicPropertyRegistry registry) {
    EmbeddedPlatform platform = EmbeddedPlatform.shared();
    platform.serviceProperties().forEach((key, value) -> registry.add(key, () -> value));
    registry.add("runstream.security.issuer-uri", () -> TestIssuer.get().issuer());
    FakeModels.get().properties().forEach((key, value) -> registry.add(key, () -> value));
    // The real MCP reference server over stdio (installed from the npm registry by the tests that
    // use it).
    registry.add("runstream.mcp.servers.everything.command", () -> "node");
    registry.add(
        "runstream.mcp.servers.everything.args",
        () -> McpToolsIT.SERVER.toAbsolutePath() + ",stdio");
  }

  TestApi api() {
    return new TestApi(port);
  }

  /**
   * Starts one more fan-out node on the platform, with {@code extra} properties; the caller closes
   * it.
   */
  static ConfigurableApplicationContext startFanoutNode(Map<String, Object> extra) {
    Map<String, Object> properties = new HashMap<>(EmbeddedPlatform.shared().serviceProperties());
    properties.put("server.port", 0);
    properties.put("server.shutdown", "immediate");
    properties.putAll(extra);
    return new SpringApplicationBuilder(FanoutApplication.class).properties(properties).run();
  }
}
