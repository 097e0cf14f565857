package io.runstream.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runstream.worker.control.RunStops;
import io.runstream.worker.tools.ServerTool;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * A server tool's call runs on its own thread: its result or error comes back, a stop abandons it
 * at once.
 */
class AbandonableToolTest {

  @Test
  void shouldReturnTheToolsResultOrError() throws Exception {
    RunStops.Stop stop = new RunStops.Stop();
    assertThat(
            AgentLoop.abandonable(() -> JsonNodeFactory.instance.stringNode("done"), stop)
                .asString())
        .isEqualTo("done");
    assertThatThrownBy(
            () ->
                AgentLoop.abandonable(
                    () -> {
                      throw new ServerTool.ToolException("bad arguments");
                    },
                    stop))
        .isInstanceOf(ServerTool.ToolException.class)
        .hasMessage("bad arguments");
    assertThatThrownBy(
            () ->
                AgentLoop.abandonable(
                    () -> {
                      throw new IllegalStateException("broken");
                    },
                    stop))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void shouldAbandonAHangingToolWhenTheRunIsStoppedWithoutInterruptingIt() throws Exception {
    RunStops.Stop stop = new RunStops.Stop();
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    CompletableFuture<Boolean> toolInterrupted = new CompletableFuture<>();
    CompletableFuture<Throwable> outcome = new CompletableFuture<>();
    Thread.ofVirtual()
        .start(
            () -> {
              try {
                AgentLoop.abandonable(
                    () -> {
                      started.countDown();
                      try {
                        release.await();
                        toolInterrupted.complete(false);
                      } catch (InterruptedException e) {
                        toolInterrupted.complete(true);
                      }
                      return JsonNodeFactory.instance.nullNode();
                    },
                    stop);
                outcome.complete(null);
              } catch (Throwable e) {
                outcome.complete(e);
              }
            });
    assertThat(started.await(5, TimeUnit.SECONDS)).isTrue();
    stop.end(RunStops.Kind.STOPPED, "stopped by the user");
    assertThat(outcome.get(3, TimeUnit.SECONDS))
        .isInstanceOf(ServerTool.ToolException.class)
        .hasMessage("The run was stopped while the tool ran.");
    // The tool itself was left alone (a shared MCP connection or a pooled database connection stays
    // whole).
    assertThat(toolInterrupted).isNotDone();
    release.countDown();
    assertThat(toolInterrupted.get(5, TimeUnit.SECONDS)).isFalse();
  }
}
