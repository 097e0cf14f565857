package io.runstream.ingest;

import io.runstream.core.CoreConfiguration;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;

/** The ingest API's beans; imported by its own application and by the all-in-one launcher. */
@Configuration(proxyBeanMethods = false)
@Import(CoreConfiguration.class)
@ComponentScan(
    basePackages = "io.runstream.ingest",
    excludeFilters = {
      @ComponentScan.Filter(type = FilterType.ANNOTATION, classes = SpringBootConfiguration.class),
      // Admission alone is for fan-out-only processes; here the scan finds its classes.
      @ComponentScan.Filter(
          type = FilterType.ASSIGNABLE_TYPE,
          classes = io.runstream.ingest.admission.AdmissionConfiguration.class)
    })
@EnableConfigurationProperties({
  IngestProperties.class,
  io.runstream.ingest.admission.ModelRouting.class
})
public class IngestConfiguration {}
