package io.runstream.worker.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.schemas.RunRequested;
import io.runstream.worker.WorkerProperties;
import io.runstream.worker.control.RunStops;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class SimulatedModelTest {
  private final Tokenizer tokenizer = new Tokenizer();
  private final SimulatedModel model =
      new SimulatedModel(
          tokenizer,
          new WorkerProperties(
              true,
              "g",
              10,
              Duration.ofSeconds(30),
              20,
              Duration.ofSeconds(5),
              50,
              Duration.ofSeconds(5),
              8,
              Duration.ofMinutes(5),
              true,
              Duration.ofMinutes(30),
              Duration.ofMinutes(10),
              List.of(),
              WorkerProperties.RunThreads.PLATFORM));

  static final class Collector implements LlmStream {
    final StringBuilder text = new StringBuilder();
    int deltas;
    int stopAfter = Integer.MAX_VALUE;

    @Override
    public void text(String delta) {
      text.append(delta);
      deltas++;
    }

    @Override
    public boolean stopped() {
      return deltas >= stopAfter;
    }
  }

  private Collector run(String input, Long seed, Integer tokens, Double pace) {
    Collector out = new Collector();
    model.stream(
        new LlmRequest(
            "sim-1", null, List.of(), input, new RunRequested.Simulation(seed, pace, tokens)),
        out);
    return out;
  }

  @Test
  void shouldAnswerTheSameTextForTheSameSeedAndPrompt() {
    assertThat(run("hello", 7L, 100, 0.0).text.toString())
        .isEqualTo(run("hello", 7L, 100, 0.0).text.toString());
    assertThat(run("hello", null, null, 0.0).text.toString())
        .isEqualTo(run("hello", null, null, 0.0).text.toString());
  }

  @Test
  void shouldAnswerDifferentlyForAnotherSeed() {
    assertThat(run("hello", 7L, 100, 0.0).text.toString())
        .isNotEqualTo(run("hello", 8L, 100, 0.0).text.toString());
  }

  @Test
  void shouldProduceAboutTheRequestedNumberOfTokens() {
    for (int target : new int[] {1, 40, 400, 2000}) {
      int counted = tokenizer.count(run("count me", 3L, target, 0.0).text.toString());
      assertThat(counted)
          .as("target %d", target)
          .isBetween((int) Math.max(1, target * 0.95 - 2), (int) (target * 1.05) + 12);
    }
  }

  @Test
  void shouldStopAtTheRunsBoundOnOutputTokensWithALengthFinish() {
    LlmRequest asked =
        new LlmRequest(
            "sim-1",
            null,
            List.of(),
            "Say a lot",
            new RunRequested.Simulation(5L, 0.0, 60),
            List.of(),
            List.of(),
            null);
    Collector bounded = new Collector();
    LlmResult cut = model.stream(asked.capped(16), bounded);
    assertThat(cut.finishReason()).isEqualTo("length");
    assertThat(cut.outputTokens()).isBetween(1L, 16L);
    assertThat(tokenizer.count(bounded.text.toString())).isBetween(1, 17);

    Collector whole = new Collector();
    LlmResult enough = model.stream(asked.capped(500), whole);
    assertThat(enough.finishReason()).isEqualTo("stop");
    assertThat(tokenizer.count(whole.text.toString())).isGreaterThan(40);
  }

  @Test
  void shouldAnswerBetween40And400TokensByDefaultAndLongerWhenAskedForALongAnswer() {
    for (long seed = 0; seed < 20; seed++) {
      int normal = tokenizer.count(run("What is Kafka?", seed, null, 0.0).text.toString());
      assertThat(normal).isBetween(40, 420);
    }
    int longer =
        tokenizer.count(
            run("Write a long, detailed answer about Kafka", 1L, null, 0.0).text.toString());
    assertThat(longer).isGreaterThanOrEqualTo(600);
  }

  @Test
  void shouldStreamAtTheRequestedPace() {
    long started = System.nanoTime();
    run("pace", 1L, 40, 400.0);
    long millis = (System.nanoTime() - started) / 1_000_000;
    // 40 tokens at 400 tokens/s take about 100 ms; allow generous slack for a busy machine.
    assertThat(millis).isBetween(80L, 2_000L);
  }

  @Test
  void shouldStopWhenTheRunIsStopped() {
    Collector out = new Collector();
    out.stopAfter = 5;
    LlmResult result =
        model.stream(
            new LlmRequest(
                "sim-1", null, List.of(), "stop me", new RunRequested.Simulation(1L, 0.0, 1000)),
            out);
    assertThat(out.deltas).isEqualTo(5);
    assertThat(result.outputTokens()).isEqualTo(tokenizer.count(out.text.toString()));
  }

  @Test
  void shouldCountPromptTokensOfInstructionsHistoryAndMessage() {
    int alone = tokenizer.prompt(null, List.of(), "hello there");
    int withContext =
        tokenizer.prompt(
            "Be brief.",
            List.of(
                new RunRequested.HistoryEntry("user", "Hi"),
                new RunRequested.HistoryEntry("assistant", "Hello!")),
            "hello there");
    assertThat(alone).isEqualTo(tokenizer.count("hello there") + 3);
    assertThat(withContext).isGreaterThan(alone + 6);
  }

  /**
   * docs/models.md: with {@code stamp}, every delta is exactly {@code tok<N>@<epoch ms>.<micros> },
   * N from 0.
   */
  @Test
  void shouldStampEveryDeltaWithItsIndexAndEmissionTime() {
    List<String> deltas = new ArrayList<>();
    long before = System.currentTimeMillis();
    model.stream(
        new LlmRequest(
            "sim-1",
            null,
            List.of(),
            "stamp me",
            new RunRequested.Simulation(1L, 200.0, 20, null, true)),
        new LlmStream() {
          @Override
          public void text(String delta) {
            deltas.add(delta);
          }

          @Override
          public boolean stopped() {
            return false;
          }
        });
    long after = System.currentTimeMillis();
    assertThat(deltas).hasSize(20);
    double last = 0;
    for (int n = 0; n < deltas.size(); n++) {
      Matcher m = Pattern.compile("^tok(\\d+)@(\\d+)\\.(\\d{3}) $").matcher(deltas.get(n));
      assertThat(m.matches()).as(deltas.get(n)).isTrue();
      assertThat(Integer.parseInt(m.group(1))).isEqualTo(n);
      double at = Double.parseDouble(m.group(2) + "." + m.group(3));
      assertThat(at).isBetween((double) before, (double) after + 1).isGreaterThanOrEqualTo(last);
      last = at;
    }
  }

  @Test
  void shouldEndAtOnceWhenStoppedWhileWaitingForAVerySlowPace() throws Exception {
    // 0.001 tokens a second: the first token is due in about 17 minutes.
    StoppableStream out = new StoppableStream();
    CompletableFuture<LlmResult> step =
        out.start(
            model,
            new LlmRequest(
                "sim-1", null, List.of(), "hi", new RunRequested.Simulation(1L, 0.001, 10)));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !step.isDone());
    out.stop.end(RunStops.Kind.STOPPED, "stopped by the user");
    LlmResult result = step.get(3, TimeUnit.SECONDS);
    assertThat(result.finishReason()).isEqualTo("stop");
    assertThat(out.events).isEmpty();
  }
}
