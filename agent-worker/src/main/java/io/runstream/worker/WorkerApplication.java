package io.runstream.worker;

import io.runstream.core.startup.StartupFailures;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/** Runs the agent worker alone against an external Kafka and PostgreSQL. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(WorkerConfiguration.class)
public class WorkerApplication {
  public static void main(String[] args) {
    StartupFailures.run(WorkerApplication.class, args);
  }
}
