package io.runstream.core;

import io.runstream.core.face.ProjectChatProperties;
import io.runstream.core.identity.SecurityProperties;
import io.runstream.core.kafka.ChunkLayout;
import io.runstream.core.kafka.ConsumerHealth;
import io.runstream.core.kafka.KafkaProperties;
import io.runstream.core.model.ModelProviders;
import io.runstream.core.model.SimulationProperties;
import io.runstream.core.problem.ApiLimits;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.PropertySource;

/** The shared pieces every service imports: store, identity, errors, Kafka clients. */
@Configuration(proxyBeanMethods = false)
@ComponentScan(
    basePackages = "io.runstream.core",
    excludeFilters =
        @ComponentScan.Filter(
            type = FilterType.ANNOTATION,
            classes = SpringBootConfiguration.class))
@EnableConfigurationProperties({
  KafkaProperties.class,
  ChunkLayout.class,
  SecurityProperties.class,
  ApiLimits.class,
  ModelProviders.class,
  ProjectChatProperties.class,
  SimulationProperties.class,
  ConsumerHealth.Properties.class
})
@PropertySource("classpath:runstream-defaults.properties")
public class CoreConfiguration {}
