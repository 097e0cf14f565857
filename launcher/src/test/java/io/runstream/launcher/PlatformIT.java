package io.runstream.launcher;

import io.runstream.infra.embedded.EmbeddedPlatform;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
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
      // Tool approvals (ToolApprovalsIT): the test tool approval.transfer waits for a person.
      "runstream.worker.needs-approval=approval.*"
    })
@org.springframework.context.annotation.Import({PlatformIT.Spans.class, ApprovalTestTools.class})
abstract class PlatformIT {

  /**
   * Finished spans of the traces a test watches (TraceIT), kept in memory; the spans of every other
   * request of the suite are dropped, so that memory does not grow with the suite.
   */
  @org.springframework.boot.test.context.TestConfiguration(proxyBeanMethods = false)
  static class Spans {
    static final io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter EXPORTER =
        io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter.create();
    static final java.util.Set<String> WATCHED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    @org.springframework.context.annotation.Bean
    io.opentelemetry.sdk.trace.export.SpanExporter watchedSpans() {
      return new io.opentelemetry.sdk.trace.export.SpanExporter() {
        @Override
        public io.opentelemetry.sdk.common.CompletableResultCode export(
            java.util.Collection<io.opentelemetry.sdk.trace.data.SpanData> spans) {
          return EXPORTER.export(
              spans.stream().filter(span -> WATCHED.contains(span.getTraceId())).toList());
        }

        @Override
        public io.opentelemetry.sdk.common.CompletableResultCode flush() {
          return EXPORTER.flush();
        }

        @Override
        public io.opentelemetry.sdk.common.CompletableResultCode shutdown() {
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
  static org.springframework.context.ConfigurableApplicationContext startFanoutNode(
      java.util.Map<String, Object> extra) {
    java.util.Map<String, Object> properties =
        new java.util.HashMap<>(EmbeddedPlatform.shared().serviceProperties());
    properties.put("server.port", 0);
    properties.put("server.shutdown", "immediate");
    properties.putAll(extra);
    return new org.springframework.boot.builder.SpringApplicationBuilder(
            io.runstream.fanout.FanoutApplication.class)
        .properties(properties)
        .run();
  }
}
