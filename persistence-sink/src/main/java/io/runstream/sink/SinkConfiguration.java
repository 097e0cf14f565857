package io.runstream.sink;

import io.runstream.core.CoreConfiguration;
import io.runstream.sink.usage.UsageProperties;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;

/** The sink's beans; imported by its own application and by the all-in-one launcher. */
@Configuration(proxyBeanMethods = false)
@Import(CoreConfiguration.class)
@ComponentScan(
    basePackages = "io.runstream.sink",
    excludeFilters =
        @ComponentScan.Filter(
            type = FilterType.ANNOTATION,
            classes = SpringBootConfiguration.class))
@EnableConfigurationProperties({SinkProperties.class, UsageProperties.class})
public class SinkConfiguration {}
