package io.runstream.worker.model;

import io.runstream.schemas.RunRequested;
import io.runstream.worker.WorkerProperties;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;

/**
 * The built-in simulated model: deterministic for a given seed and prompt, streamed at a realistic
 * pace (default about 50 tokens/s), answers of roughly 40–400 tokens (600–1,200 when asked for a
 * long answer). Pace, length and seed are settable per request ({@link RunRequested.Simulation}).
 * Every wait for the pace is {@link LlmStream#pause}, which a stop ends at once, however slow the
 * pace.
 */
@Component
public class SimulatedModel implements LlmProvider {
  /** The provider name. */
  public static final String NAME = "simulated";

  private static final Pattern LONG_ANSWER =
      Pattern.compile("\\b(long|detailed|in depth|thorough|essay|elaborate|comprehensive)\\b");

  private static final String[] OPENERS = {
    "Here is a thought on",
    "Let me take a look at",
    "A short answer about",
    "Some notes on",
    "Thinking about"
  };
  private static final String[] WORDS =
      ("the a stream of events arrives in order and every reader sees each one once while the broker keeps "
              + "a durable log for replay when a client reconnects with its last id it resumes exactly where it "
              + "stopped agents call tools plan steps and write answers token by token latency stays low because "
              + "memory holds recent runs and older ones come back from storage systems like this favour simple "
              + "contracts clear errors and measured performance over guesses careful engineers test failure paths "
              + "such as slow readers dropped connections restarts and poison records so nothing accepted is lost "
              + "good design keeps modules small names precise and state in one place the user sees a fluent reply "
              + "while behind it partitions offsets leases and transactions do quiet work")
          .split(" ");

  private final Tokenizer tokenizer;
  private final WorkerProperties properties;

  public SimulatedModel(Tokenizer tokenizer, WorkerProperties properties) {
    this.tokenizer = tokenizer;
    this.properties = properties;
  }

  @Override
  public String name() {
    return NAME;
  }

  /** The simulated model under another name (a configured provider of type {@code simulated}). */
  public LlmProvider named(String name) {
    if (NAME.equals(name)) {
      return this;
    }
    SimulatedModel model = this;
    return new LlmProvider() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public LlmResult stream(LlmRequest request, LlmStream stream) {
        return model.stream(request, stream);
      }
    };
  }

  @Override
  public LlmResult stream(LlmRequest request, LlmStream stream) {
    RunRequested.Simulation sim =
        request.simulation() == null
            ? new RunRequested.Simulation(null, null, null)
            : request.simulation();
    long seed = sim.seed() != null ? sim.seed() : defaultSeed(request.input());
    SplittableRandom random = new SplittableRandom(seed);
    int target =
        sim.outputTokens() != null ? sim.outputTokens() : targetLength(request.input(), random);
    double pace =
        sim.tokensPerSecond() != null
            ? sim.tokensPerSecond()
            : properties.simulatedTokensPerSecond();
    long nanosPerToken = pace <= 0 ? 0 : (long) (1_000_000_000L / pace);

    StringBuilder answer = new StringBuilder();
    if (sim.script() != null) {
      return play(sim.script(), request, stream, random, target, nanosPerToken, answer);
    }
    // The run's bound on output tokens cuts the answer as a provider's max_tokens does.
    Long cap = request.outputCap();
    boolean cut = cap != null && cap < target;
    if (cut) {
      target = (int) Math.max(0, cap);
    }
    String finish = cut ? "length" : "stop";
    if (sim.stamped()) {
      LlmResult stamped = stamped(stream, target, nanosPerToken);
      return new LlmResult(finish, 0, stamped.outputTokens());
    }
    if (generate(request, stream, random, target, nanosPerToken, cut, answer)) {
      int written = tokenizer.count(answer.toString());
      // Counted whole, the pieces' tokens can merge differently; the bound holds either way.
      return new LlmResult(finish, 0, cut ? Math.min(written, target) : written);
    }
    return new LlmResult("stop", 0, tokenizer.count(answer.toString()));
  }

  /**
   * Plays a script step by step (see {@link RunRequested.ScriptStep}); text and reasoning are
   * streamed word by word at the pace, everything else at once.
   */
  private LlmResult play(
      List<RunRequested.ScriptStep> script,
      LlmRequest request,
      LlmStream stream,
      SplittableRandom random,
      int target,
      long nanosPerToken,
      StringBuilder answer) {
    int calls = 0;
    // The script's part for this step: after the call groups earlier steps returned.
    int from = 0;
    for (int group = 0; group < request.steps().size() && from < script.size(); group++) {
      while (from < script.size() && !"call".equals(script.get(from).type())) {
        from++;
      }
      while (from < script.size() && "call".equals(script.get(from).type())) {
        from++;
      }
    }
    List<LlmRequest.ToolCall> requested = new ArrayList<>();
    for (RunRequested.ScriptStep step : script.subList(from, script.size())) {
      if (stream.stopped()) {
        break;
      }
      if (!requested.isEmpty() && !"call".equals(step.type())) {
        break;
      }
      switch (step.type()) {
        case "call" ->
            requested.add(
                new LlmRequest.ToolCall(
                    "call_" + request.steps().size() + "_" + requested.size(),
                    step.name() == null ? "tool" : step.name(),
                    step.input() == null ? JsonNodeFactory.instance.objectNode() : step.input()));
        case "text" -> {
          if (step.text() == null && step.deltas() == null) {
            if (!generate(request, stream, random, target, nanosPerToken, false, answer)) {
              return new LlmResult("stop", 0, tokenizer.count(answer.toString()));
            }
          } else if (step.text() != null
              && !words(step.text(), nanosPerToken, stream::text, stream, answer)) {
            return new LlmResult("stop", 0, tokenizer.count(answer.toString()));
          }
          for (String delta : step.deltas() == null ? List.<String>of() : step.deltas()) {
            if (stream.stopped()) {
              return new LlmResult("stop", 0, tokenizer.count(answer.toString()));
            }
            if (!pace(delta, nanosPerToken, stream)) {
              return new LlmResult("stop", 0, tokenizer.count(answer.toString()));
            }
            stream.text(delta);
            answer.append(delta);
          }
        }
        case "reasoning" ->
            words(
                step.text() == null ? "Thinking it over." : step.text(),
                nanosPerToken,
                stream::reasoning,
                stream,
                new StringBuilder());
        case "tool" -> {
          String id =
              "call_" + Long.toHexString(random.nextLong() & Long.MAX_VALUE) + "_" + calls++;
          String name = step.name() == null ? "tool" : step.name();
          stream.toolCall(
              id,
              name,
              step.input() == null ? JsonNodeFactory.instance.objectNode() : step.input(),
              step.origin() == null ? "server" : step.origin());
          if (step.error() != null) {
            stream.toolResult(id, null, step.error());
          } else {
            stream.toolResult(
                id,
                step.output() == null ? JsonNodeFactory.instance.nullNode() : step.output(),
                null);
          }
        }
        case "doc" ->
            stream.doc(
                step.stage() == null ? "extract_started" : step.stage(),
                step.fileName() == null ? "document" : step.fileName());
        case "image" ->
            stream.image(
                step.url() == null ? "https://example.invalid/image.png" : step.url(),
                step.mediaType() == null ? "image/png" : step.mediaType(),
                step.prompt());
        case "stage" -> {
          JsonNode fields =
              step.input() == null ? JsonNodeFactory.instance.objectNode() : step.input();
          stream.stage(
              field(fields, "missionLabel"),
              field(fields, "mood"),
              field(fields, "leftPanel"),
              field(fields, "rightPanel"),
              field(fields, "stageTarget"));
        }
        case "fail" ->
            throw new ModelFailure(
                step.code() == null ? "provider_error" : step.code(),
                step.error() == null ? "The simulated provider failed." : step.error(),
                step.retryable() != null && step.retryable());
        default -> throw new IllegalStateException("unknown script step " + step.type());
      }
    }
    if (!requested.isEmpty()) {
      return new LlmResult("tool-calls", 0, tokenizer.count(answer.toString()), requested);
    }
    return new LlmResult("stop", 0, tokenizer.count(answer.toString()));
  }

  /**
   * Streams {@code target} deltas, each exactly {@code tok<N>@<epoch milliseconds>.<microseconds> }
   * with its emission time (docs/models.md), one token each, at the pace.
   */
  private LlmResult stamped(LlmStream stream, int target, long nanosPerToken) {
    long due = System.nanoTime();
    int produced = 0;
    for (int n = 0; n < target; n++) {
      if (stream.stopped()) {
        break;
      }
      if (nanosPerToken > 0) {
        due += nanosPerToken;
        long wait = due - System.nanoTime();
        if (wait > 0 && !stream.pause(wait)) {
          break;
        }
      }
      Instant now = Instant.now();
      long micros = now.getNano() / 1_000 % 1_000;
      stream.text(
          "tok"
              + n
              + "@"
              + now.toEpochMilli()
              + "."
              + String.format(Locale.ROOT, "%03d", micros)
              + " ");
      produced++;
    }
    return new LlmResult("stop", 0, produced);
  }

  private static String field(JsonNode fields, String name) {
    JsonNode value = fields.get(name);
    return value == null || value.isNull() ? null : value.asString();
  }

  /**
   * Waits for a delta's turn at the pace; false if the run was stopped meanwhile (a stop ends the
   * wait at once).
   */
  private boolean pace(String delta, long nanosPerToken, LlmStream stream) {
    return nanosPerToken <= 0 || stream.pause(nanosPerToken * Math.max(1, tokenizer.count(delta)));
  }

  /**
   * What a generated answer opens with when the request has files: a quote of each file's first
   * words, so that an answer visibly comes from the documents.
   */
  private static String quotes(LlmRequest request) {
    StringBuilder quotes = new StringBuilder();
    for (LlmRequest.Document document : request.documents()) {
      String[] words = document.text().strip().split("\\s+");
      String first =
          String.join(" ", Arrays.copyOf(words, Math.min(12, words.length))).replace("\"", "");
      quotes
          .append(quotes.isEmpty() ? "" : " ")
          .append("From ")
          .append(document.name())
          .append(": \"")
          .append(first)
          .append("\".");
    }
    return quotes.toString();
  }

  /**
   * Streams {@code text} word by word (each with its leading space) at the pace; false if stopped.
   */
  private boolean words(
      String text,
      long nanosPerToken,
      Consumer<String> sink,
      LlmStream stream,
      StringBuilder answer) {
    long due = System.nanoTime();
    int start = 0;
    while (start < text.length()) {
      if (stream.stopped()) {
        return false;
      }
      int end = start;
      while (end < text.length() && Character.isWhitespace(text.charAt(end))) {
        end++;
      }
      while (end < text.length() && !Character.isWhitespace(text.charAt(end))) {
        end++;
      }
      String piece = text.substring(start, end);
      if (nanosPerToken > 0) {
        due += nanosPerToken * Math.max(1, tokenizer.count(piece));
        long wait = due - System.nanoTime();
        if (wait > 0 && !stream.pause(wait)) {
          return false;
        }
      }
      sink.accept(piece);
      answer.append(piece);
      start = end;
    }
    return true;
  }

  /** Streams a generated answer of about {@code target} tokens; false if stopped. */
  private boolean generate(
      LlmRequest request,
      LlmStream stream,
      SplittableRandom random,
      int target,
      long nanosPerToken,
      boolean exact,
      StringBuilder answer) {
    int produced = 0;
    long due = System.nanoTime();
    boolean sentenceStart = true;
    int wordsInSentence = 0;
    int sentenceLength = 8 + random.nextInt(12);
    int sentencesInParagraph = 0;
    String quotes = quotes(request);
    if (!quotes.isEmpty()) {
      if (!words(quotes + " ", nanosPerToken, stream::text, stream, answer)) {
        return false;
      }
      produced += tokenizer.count(quotes);
    }
    String opener = opener(request.input(), random);
    String pending = opener;
    while (produced < target) {
      if (stream.stopped()) {
        return false;
      }
      String piece;
      if (pending != null) {
        piece = pending;
        pending = null;
        sentenceStart = true;
        sentencesInParagraph++;
      } else {
        String word = WORDS[random.nextInt(WORDS.length)];
        if (sentenceStart) {
          word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
        }
        wordsInSentence++;
        boolean end = wordsInSentence >= sentenceLength || produced + 2 >= target;
        String punctuation = end ? "." : (random.nextInt(9) == 0 ? "," : "");
        String separator =
            answer.isEmpty() ? "" : (sentenceStart && sentencesInParagraph >= 4 ? "\n\n" : " ");
        if (sentenceStart && sentencesInParagraph >= 4) {
          sentencesInParagraph = 0;
        }
        piece = separator + word + punctuation;
        sentenceStart = end;
        if (end) {
          wordsInSentence = 0;
          sentenceLength = 8 + random.nextInt(12);
          sentencesInParagraph++;
        }
      }
      int tokens = Math.max(1, tokenizer.count(piece));
      if (exact && produced + tokens > target) {
        // A bound on output tokens is never passed, as a provider's is not.
        break;
      }
      if (nanosPerToken > 0) {
        due += nanosPerToken * tokens;
        long wait = due - System.nanoTime();
        if (wait > 0 && !stream.pause(wait)) {
          return false;
        }
      }
      stream.text(piece);
      answer.append(piece);
      produced += tokens;
    }
    return true;
  }

  private static String opener(String input, SplittableRandom random) {
    String[] words = input.strip().split("\\s+");
    StringBuilder topic = new StringBuilder();
    for (int i = 0; i < Math.min(6, words.length); i++) {
      topic.append(i == 0 ? "" : " ").append(words[i]);
    }
    String cleaned = topic.toString().replaceAll("[\\p{Cntrl}\"]", "");
    return OPENERS[random.nextInt(OPENERS.length)] + " \"" + cleaned + "\".";
  }

  private static int targetLength(String input, SplittableRandom random) {
    boolean longAnswer = LONG_ANSWER.matcher(input.toLowerCase(Locale.ROOT)).find();
    return longAnswer ? 600 + random.nextInt(601) : 40 + random.nextInt(361);
  }

  private static long defaultSeed(String input) {
    long hash = 1125899906842597L;
    for (byte b : input.getBytes(StandardCharsets.UTF_8)) {
      hash = 31 * hash + b;
    }
    return hash;
  }
}
