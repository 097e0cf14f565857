package io.runstream.launcher;

import io.runstream.schemas.RunRequested;
import io.runstream.worker.tools.ServerTool;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A server tool of the integration tests' platform whose calls need an approval ({@code
 * runstream.worker.needs-approval=approval.*} in {@link PlatformIT}): {@code approval.transfer}
 * answers what it was asked and counts its calls, so that a test sees whether a call ran.
 */
@TestConfiguration(proxyBeanMethods = false)
class ApprovalTestTools {
  static final String TRANSFER = "approval.transfer";
  static final AtomicInteger CALLS = new AtomicInteger();
  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Bean
  ServerTool approvalTransfer() {
    return new ServerTool() {
      @Override
      public String name() {
        return TRANSFER;
      }

      @Override
      public String description() {
        return "Transfers an amount (a test tool that needs a person's approval).";
      }

      @Override
      public JsonNode inputSchema() {
        return JSON.readTree(
            "{\"type\":\"object\",\"properties\":{\"amount\":{\"type\":\"number\"}}}");
      }

      @Override
      public JsonNode call(JsonNode input, RunRequested request) {
        CALLS.incrementAndGet();
        return JSON.createObjectNode().put("transferred", input.path("amount").asDouble());
      }
    };
  }
}
