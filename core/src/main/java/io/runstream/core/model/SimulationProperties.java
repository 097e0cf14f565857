package io.runstream.core.model;

import io.runstream.core.identity.Caller;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may drive the simulated model's knobs ({@code runstream.simulation}): a request's {@code
 * simulation} field (pace, length, script, stamp) is for development, load tests and the test
 * suite. It is honoured only where the operator turned it on ({@code bin/runstream start} and the
 * test suite do), or for the callers the operator names; anyone else's request with {@code
 * simulation} is refused (400 in the face's dialect), since a script can make the worker call tools
 * with arguments of the caller's choosing and a pace can hold a worker's slot for hours.
 *
 * @param enabled whether every caller may use the knobs (off by default; on for the embedded
 *     default)
 * @param subjects the {@code sub}s of callers (typically service identities running load tests)
 *     that may use them when {@code enabled} is off
 */
@ConfigurationProperties("runstream.simulation")
public record SimulationProperties(
    @DefaultValue("false") boolean enabled, @DefaultValue List<String> subjects) {

  /** Whether {@code caller}'s requests may carry {@code simulation}. */
  public boolean allows(Caller caller) {
    return enabled || subjects.contains(caller.subject());
  }
}
