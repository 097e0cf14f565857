package io.runstream.worker.output;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The flows {@code [ACTION:slug:{json}]} tags are dispatched to ({@code
 * runstream.actions.flows.<slug>.*}); the built-in {@code memory-recall} needs no configuration (a
 * configured flow of that slug replaces it).
 *
 * @param flows the webhook flows by slug
 */
@ConfigurationProperties("runstream.actions")
public record ActionProperties(@DefaultValue Map<String, Flow> flows) {

  public ActionProperties {
    flows = flows == null ? Map.of() : Map.copyOf(flows);
  }

  /**
   * A webhook flow: the tag's parameters are POSTed as JSON to {@code url}; the JSON answer is the
   * flow's result.
   *
   * @param url where to POST
   * @param timeout how long the flow may take
   * @param headers extra request headers (e.g. an {@code Authorization} for the flow's service)
   */
  public record Flow(
      URI url, @DefaultValue("10s") Duration timeout, @DefaultValue Map<String, String> headers) {}
}
