package io.runstream.admission;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The ingest API's configuration ({@code runstream.ingest}).
 *
 * @param defaultModelProvider the provider of runs that name no model
 * @param defaultModelId the model of runs that name none, when the default provider has no {@code
 *     default-model}
 * @param publishTimeout how long to wait for the broker's acknowledgement of a run request
 * @param previousRunWait how long a new message waits for the previous run's end to be recorded
 *     before 409
 * @param publicBaseUrl the base of the URLs in answers; empty: derived from the request
 * @param billingUrl where a caller whose organisation's budget is spent is sent
 * @param runsPerMinute how many runs one user may start per minute, sustained, across all instances
 *     (a bucket in PostgreSQL)
 * @param runBurst how many runs one user may start at once before the per-minute rate applies
 * @param serviceRunsPerMinute the same for a service identity ({@code service} claim or {@code
 *     runstream.security.service-subjects})
 * @param serviceRunBurst the burst of a service identity
 * @param agentRoles the agent roles the agent-stream face accepts ({@code agentRole}); the first is
 *     the default
 * @param agentStreamHistory how many stored messages of a {@code conversationId} the agent-stream
 *     face loads as history (the seed's 20)
 * @param maxLiveRunsPerUser how many live runs (queued or running) one user may have at once,
 *     across all instances; one more is refused 429 {@code too_many_live_runs}
 * @param maxLiveRunsPerService the same for a service identity
 * @param multitaskStrategy what a new message does while a run of its session is live when the
 *     request names no strategy: {@code reject} (409), {@code enqueue}, {@code interrupt} or {@code
 *     rollback} (ADR 0016)
 */
@Validated
@ConfigurationProperties("runstream.ingest")
public record AdmissionProperties(
    @DefaultValue("simulated") @NotBlank String defaultModelProvider,
    @DefaultValue("sim-1") @NotBlank String defaultModelId,
    @DefaultValue("10s") Duration publishTimeout,
    @DefaultValue("3s") Duration previousRunWait,
    @DefaultValue("") String publicBaseUrl,
    @DefaultValue("https://runstream.dev/billing") String billingUrl,
    @DefaultValue("120") @Min(1) int runsPerMinute,
    @DefaultValue("30") @Min(1) int runBurst,
    @DefaultValue("chat") @NotEmpty List<String> agentRoles,
    @DefaultValue("20") @Min(0) int agentStreamHistory,
    @DefaultValue("6000") @Min(1) int serviceRunsPerMinute,
    @DefaultValue("600") @Min(1) int serviceRunBurst,
    @DefaultValue("10") @Min(1) int maxLiveRunsPerUser,
    @DefaultValue("500") @Min(1) int maxLiveRunsPerService,
    @DefaultValue("reject") @Pattern(regexp = "reject|enqueue|interrupt|rollback")
        String multitaskStrategy) {

  /** The configured default double-texting strategy. */
  public MultitaskStrategy defaultMultitaskStrategy() {
    return MultitaskStrategy.valueOf(multitaskStrategy.toUpperCase(Locale.ROOT));
  }
}
