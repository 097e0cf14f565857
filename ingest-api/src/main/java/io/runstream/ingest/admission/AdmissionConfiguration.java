package io.runstream.ingest.admission;

import io.runstream.ingest.IngestProperties;
import io.runstream.ingest.limits.RunLimits;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Run admission alone, without the ingest API's controllers: for fan-out nodes that serve the faces
 * whose POST answers with the run's stream (genie), see ADR 0008, with the releaser of held runs
 * and the stopper that double-texting (ADR 0016) needs (with the waker of runs parked for tool
 * approvals, ADR 0017, which a stop wakes). The ingest API's own configuration scans these classes.
 */
@Configuration(proxyBeanMethods = false)
@Import({
  RunAdmission.class,
  RequestFields.class,
  RunLimits.class,
  RunRequestPublisher.class,
  HeldRunReleaser.class,
  io.runstream.ingest.control.RunStopper.class,
  io.runstream.ingest.control.ParkedRunWaker.class
})
@EnableConfigurationProperties({IngestProperties.class, ModelRouting.class})
public class AdmissionConfiguration {}
