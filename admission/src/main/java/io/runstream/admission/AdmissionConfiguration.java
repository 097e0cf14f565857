package io.runstream.admission;

import io.runstream.admission.control.ParkedRunWaker;
import io.runstream.admission.control.RunStopper;
import io.runstream.admission.limits.RunLimits;
import io.runstream.admission.routing.ModelRouting;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Run admission, face-neutral: imported by the ingest API and by fan-out nodes, which serve the
 * faces whose POST answers with the run's stream (genie, project chat; ADR 0008), with the releaser
 * of held runs and the stopper that double-texting (ADR 0016) needs (with the waker of runs parked
 * for tool approvals, ADR 0021, which a stop wakes).
 */
@Configuration(proxyBeanMethods = false)
@Import({
  RunAdmission.class,
  RequestFields.class,
  RunLimits.class,
  RunRequestPublisher.class,
  HeldRunReleaser.class,
  RunStopper.class,
  ParkedRunWaker.class
})
@EnableConfigurationProperties({AdmissionProperties.class, ModelRouting.class})
public class AdmissionConfiguration {}
