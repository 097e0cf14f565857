package io.runstream.launcher;

import io.runstream.fanout.FanoutConfiguration;
import io.runstream.ingest.IngestConfiguration;
import io.runstream.sink.SinkConfiguration;
import io.runstream.worker.WorkerConfiguration;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Import;

/**
 * All four services in one application context, sharing one HTTP port, one pool and one broker
 * connection set.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({
  IngestConfiguration.class,
  WorkerConfiguration.class,
  FanoutConfiguration.class,
  SinkConfiguration.class,
  PlaygroundResources.class
})
public class RunstreamApplication {}
