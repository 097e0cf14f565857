package io.runstream.sink;

import io.runstream.core.startup.StartupFailures;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/** Runs the persistence sink alone against an external Kafka and PostgreSQL. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(SinkConfiguration.class)
public class SinkApplication {
  public static void main(String[] args) {
    StartupFailures.run(SinkApplication.class, args);
  }
}
