package io.runstream.fanout;

import io.runstream.core.CoreConfiguration;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;

/** The fan-out's beans; imported by its own application and by the all-in-one launcher. */
@Configuration(proxyBeanMethods = false)
@Import(CoreConfiguration.class)
@ComponentScan(
    basePackages = "io.runstream.fanout",
    excludeFilters =
        @ComponentScan.Filter(
            type = FilterType.ANNOTATION,
            classes = SpringBootConfiguration.class))
@EnableConfigurationProperties(FanoutProperties.class)
public class FanoutConfiguration {}
