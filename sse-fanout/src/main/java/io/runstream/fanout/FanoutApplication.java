package io.runstream.fanout;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/** Runs one SSE fan-out node alone against an external Kafka and PostgreSQL. */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import(FanoutConfiguration.class)
public class FanoutApplication {
  public static void main(String[] args) {
    SpringApplication.run(FanoutApplication.class, args);
  }
}
