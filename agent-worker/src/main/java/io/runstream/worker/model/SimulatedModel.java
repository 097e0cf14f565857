package io.runstream.worker.model;

import io.runstream.schemas.RunRequested;
import io.runstream.worker.WorkerProperties;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * The built-in simulated model: deterministic for a given seed and prompt, streamed at a realistic pace (default
 * about 50 tokens/s), answers of roughly 40–400 tokens (600–1,200 when asked for a long answer). Pace, length and
 * seed are settable per request ({@link RunRequested.Simulation}).
 */
@Component
public class SimulatedModel implements LlmProvider {
  /** The provider name. */
  public static final String NAME = "simulated";

  private static final Pattern LONG_ANSWER =
      Pattern.compile("\\b(long|detailed|in depth|thorough|essay|elaborate|comprehensive)\\b");

  private static final String[] OPENERS = {
    "Here is a thought on", "Let me take a look at", "A short answer about", "Some notes on", "Thinking about"
  };
  private static final String[] WORDS = (
      "the a stream of events arrives in order and every reader sees each one once while the broker keeps "
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

  @Override
  public LlmResult stream(LlmRequest request, LlmStream stream) {
    RunRequested.Simulation sim =
        request.simulation() == null ? new RunRequested.Simulation(null, null, null) : request.simulation();
    long seed = sim.seed() != null ? sim.seed() : defaultSeed(request.input());
    SplittableRandom random = new SplittableRandom(seed);
    int target = sim.outputTokens() != null ? sim.outputTokens() : targetLength(request.input(), random);
    double pace = sim.tokensPerSecond() != null ? sim.tokensPerSecond() : properties.simulatedTokensPerSecond();
    long nanosPerToken = pace <= 0 ? 0 : (long) (1_000_000_000L / pace);

    StringBuilder answer = new StringBuilder();
    int produced = 0;
    long due = System.nanoTime();
    boolean sentenceStart = true;
    int wordsInSentence = 0;
    int sentenceLength = 8 + random.nextInt(12);
    int sentencesInParagraph = 0;
    String opener = opener(request.input(), random);
    String pending = opener;
    while (produced < target) {
      if (stream.stopped()) {
        return new LlmResult("stop", 0, tokenizer.count(answer.toString()));
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
        String separator = answer.isEmpty() ? "" : (sentenceStart && sentencesInParagraph >= 4 ? "\n\n" : " ");
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
      if (nanosPerToken > 0) {
        due += nanosPerToken * tokens;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          LockSupport.parkNanos(wait);
        }
      }
      stream.text(piece);
      answer.append(piece);
      produced += tokens;
    }
    return new LlmResult("stop", 0, tokenizer.count(answer.toString()));
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
