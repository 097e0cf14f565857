package io.runstream.core.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.logging.LogFile;
import org.springframework.boot.logging.LoggingInitializationContext;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.env.MockEnvironment;

/**
 * The services' logging configuration (logback-spring.xml) as Spring Boot loads it, console and
 * file.
 */
@ExtendWith(OutputCaptureExtension.class)
class SafeMessageConverterTest {
  static final String FORGED =
      "report.pdf\n12:00:00.000 ERROR 1 --- [main] io.runstream.Security : FAKE ERROR admin login";

  @Test
  void aFileNameWithALineBreakCannotForgeALogLine(CapturedOutput output, @TempDir Path logs)
      throws Exception {
    LoggingSystem system = LoggingSystem.get(getClass().getClassLoader());
    MockEnvironment environment =
        new MockEnvironment().withProperty("logging.file.name", logs.resolve("x.log").toString());
    system.beforeInitialize();
    system.initialize(
        new LoggingInitializationContext(environment),
        "classpath:logback-spring.xml",
        LogFile.get(environment));
    UUID run = UUID.randomUUID();
    try {
      Logger log = LoggerFactory.getLogger("io.runstream.worker.context.RunContext");
      log.info("Run {}: file not read: {}", run, FORGED + " could not be read");
      log.info("Run {}: tool {} failed", run, "evil\r\nERROR\u2028spoof\u001b[2J\u202egnp.exe");
      log.info("A message whose own text\nspans two lines");
    } finally {
      system.cleanUp();
    }
    List<String> console =
        output.getOut().lines().filter(line -> line.contains(run.toString())).toList();
    assertThat(console).hasSize(2);
    assertThat(console.get(0))
        .endsWith(
            "Run "
                + run
                + ": file not read: report.pdf\\n12:00:00.000 ERROR 1 --- [main] "
                + "io.runstream.Security : FAKE ERROR admin login could not be read");
    assertThat(console.get(1))
        .endsWith("tool evil\\r\\nERROR\\u2028spoof\\u001b[2J\\u202egnp.exe failed");
    assertThat(output.getOut())
        .doesNotContain("\nFAKE ERROR")
        .contains("A message whose own text\nspans two lines");
    List<String> file =
        Files.readAllLines(logs.resolve("x.log")).stream()
            .filter(l -> l.contains(run.toString()))
            .toList();
    assertThat(file).hasSize(2);
    assertThat(Files.readString(logs.resolve("x.log"))).doesNotContain("\n12:00:00.000 ERROR");
  }

  @Test
  void logSafeEscapesControlCharactersAndCutsLongText() {
    assertThat(LogSafe.text("plain name.pdf")).isEqualTo("plain name.pdf");
    assertThat(LogSafe.text("a\nb\rc\td\u0000e\u0085f\u2029"))
        .isEqualTo("a\\nb\\rc\\td\\u0000e\\u0085f\\u2029");
    assertThat(LogSafe.text(null)).isNull();
    String cut = LogSafe.text("x".repeat(LogSafe.MAX_CHARS + 10));
    assertThat(cut).startsWith("x".repeat(LogSafe.MAX_CHARS)).endsWith("...(10 more characters)");
  }
}
