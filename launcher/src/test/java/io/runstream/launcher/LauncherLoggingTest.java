package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.logging.LoggingInitializationContext;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.env.MockEnvironment;

/**
 * {@code bin/runstream start}'s logging (logback.xml): text from outside stays on its line; the
 * banner spans lines.
 */
@ExtendWith(OutputCaptureExtension.class)
class LauncherLoggingTest {
  @Test
  void aFileNameWithALineBreakCannotForgeALogLine(CapturedOutput output) {
    LoggingSystem system = LoggingSystem.get(getClass().getClassLoader());
    system.beforeInitialize();
    system.initialize(
        new LoggingInitializationContext(new MockEnvironment()), "classpath:logback.xml", null);
    String run = UUID.randomUUID().toString();
    try {
      Logger log = LoggerFactory.getLogger("io.runstream.worker.context.RunContext");
      log.info(
          "Run {}: file not read: {}",
          run,
          "q3.pdf\n00:00:00.000 ERROR [main] x.Security : FAKE ERROR");
      LoggerFactory.getLogger(RunstreamLauncher.class)
          .info("\n\n  Runstream is up " + run + "\n  second line\n");
    } finally {
      system.cleanUp();
    }
    List<String> lines = output.getOut().lines().filter(line -> line.contains(run)).toList();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(0))
        .endsWith(
            "Run "
                + run
                + ": file not read: q3.pdf\\n00:00:00.000 ERROR [main] x.Security : FAKE ERROR");
    assertThat(output.getOut())
        .doesNotContain("\n00:00:00.000 ERROR")
        .contains("Runstream is up " + run + "\n  second line");
  }
}
