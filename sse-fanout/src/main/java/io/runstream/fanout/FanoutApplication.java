package io.runstream.fanout;

import io.runstream.admission.AdmissionConfiguration;
import io.runstream.core.startup.StartupFailures;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/** Runs one SSE fan-out node alone against an external Kafka and PostgreSQL. */
@SpringBootConfiguration
@EnableAutoConfiguration
// A fan-out node alone admits the runs of the faces whose POST is the stream (genie): ADR 0008.
@Import({FanoutConfiguration.class, AdmissionConfiguration.class})
public class FanoutApplication {
  public static void main(String[] args) {
    StartupFailures.run(FanoutApplication.class, args);
  }
}
