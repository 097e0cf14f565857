package io.runstream.launcher;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ResourceHandlerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The playground's files, and nothing else, served from {@code classpath:/static/}: its page at
 * {@code /} (Spring Boot's welcome page forwards to {@code /index.html}) and {@code /assets/**}.
 *
 * <p>Spring Boot's default {@code /**} mapping is off ({@code spring.web.resources.add-mappings} in
 * {@code runstream-defaults.properties}): with it, any unknown path was looked up in four classpath
 * locations, and a miss searches every nested jar of the executable jar, about 6 ms of CPU per
 * request that anyone could send without a token (against 0.8 ms for a health check).
 */
@Configuration(proxyBeanMethods = false)
class PlaygroundResources implements WebMvcConfigurer {
  @Override
  public void addResourceHandlers(ResourceHandlerRegistry registry) {
    registry.addResourceHandler("/index.html").addResourceLocations("classpath:/static/");
    registry.addResourceHandler("/assets/**").addResourceLocations("classpath:/static/assets/");
  }
}
