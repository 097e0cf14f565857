package io.runstream.worker;

import io.runstream.core.CoreConfiguration;
import io.runstream.worker.context.ContextProperties;
import io.runstream.worker.output.ActionProperties;
import io.runstream.worker.tools.McpProperties;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;

/** The agent worker's beans; imported by its own application and by the all-in-one launcher. */
@Configuration(proxyBeanMethods = false)
@Import(CoreConfiguration.class)
@ComponentScan(
    basePackages = "io.runstream.worker",
    excludeFilters =
        @ComponentScan.Filter(
            type = FilterType.ANNOTATION,
            classes = SpringBootConfiguration.class))
@EnableConfigurationProperties({
  WorkerProperties.class,
  McpProperties.class,
  ContextProperties.class,
  ActionProperties.class
})
public class WorkerConfiguration {}
