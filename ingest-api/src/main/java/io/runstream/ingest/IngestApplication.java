package io.runstream.ingest;

import io.runstream.core.startup.StartupFailures;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/** Runs the ingest API alone against an external Kafka and PostgreSQL. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(IngestConfiguration.class)
public class IngestApplication {
  public static void main(String[] args) {
    StartupFailures.run(IngestApplication.class, args);
  }
}
