package io.runstream.core.net;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Configuration;

/** Binds {@code runstream.security.urls} for {@link PublicUrls}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(PublicUrls.Settings.class)
class NetConfiguration {}
