package io.runstream.sink;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/** Runs the persistence sink alone against an external Kafka and PostgreSQL. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(SinkConfiguration.class)
public class SinkApplication {
  public static void main(String[] args) {
    io.runstream.core.startup.StartupFailures.run(SinkApplication.class, args);
  }
}
