package io.runstream.ingest;

import io.runstream.admission.AdmissionConfiguration;
import io.runstream.core.CoreConfiguration;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;

/**
 * The ingest API's beans, with run admission (its own module); imported by its own application and
 * by the all-in-one launcher.
 */
@Configuration(proxyBeanMethods = false)
@Import({CoreConfiguration.class, AdmissionConfiguration.class})
@ComponentScan(
    basePackages = "io.runstream.ingest",
    excludeFilters = {
      @ComponentScan.Filter(type = FilterType.ANNOTATION, classes = SpringBootConfiguration.class)
    })
public class IngestConfiguration {}
