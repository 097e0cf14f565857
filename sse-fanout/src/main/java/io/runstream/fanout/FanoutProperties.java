package io.runstream.fanout;

import jakarta.validation.constraints.Min;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The fan-out node's configuration ({@code runstream.fanout}).
 *
 * @param hotMaxRuns most runs kept in memory
 * @param hotMaxBytes most chunk bytes kept in memory (approximate)
 * @param hotFinishedTtl how long a finished run stays in memory after its end
 * @param readerQueue most events queued for one reader; a reader further behind is disconnected and
 *     resumes
 * @param heartbeat silence after which a {@code : ping} comment is sent
 * @param retry the {@code retry:} value sent to clients
 * @param replayWindow how long after its end a session stream without Last-Event-ID still replays
 *     the last run
 * @param startLookback how far back a starting node reads the chunk topic to warm its memory
 * @param logCatchUp how long a resume waits for the chunk log to catch up with memory
 * @param maxStreamsPerUser most live streams one user may hold on this node; more answer 429
 * @param maxStreamsPerService the same for a service identity
 * @param fetchMaxWait the tail consumer's {@code fetch.max.wait.ms} in the shared layout: how long
 *     the broker may hold a fetch when nothing is new. A record produced meanwhile completes the
 *     fetch at once (measured, issue #12: at 5 and 20 runs the delivery p50/p99 did not grow from
 *     10 ms to 500 ms), so a long wait costs no latency and saves the idle loop (100 empty fetches
 *     a second at 10 ms: about 7 % of a core on this machine). In the per-run-topic layout the tail
 *     uses at most 10 ms: a new run's topic joins the fetch only when the one in flight returns
 * @param agentStreamTtl how long an agent-stream {@code streamId} can be read after the run's
 *     creation (the seed's 5 minutes); a run still going then stays readable until this long after
 *     its end
 * @param maxOpeningStreams most SSE streams this node opens at once (token, run row, backlog); 0
 *     refuses every stream
 * @param maxWaitingStreams most stream openings that wait for a turn; more answer 503 with
 *     Retry-After at once
 * @param openWait how long an opening waits for its turn before it is answered 503 with Retry-After
 */
@Validated
@ConfigurationProperties("runstream.fanout")
public record FanoutProperties(
    @DefaultValue("10000") @Min(1) int hotMaxRuns,
    @DefaultValue("268435456") @Min(1024) long hotMaxBytes,
    @DefaultValue("10m") Duration hotFinishedTtl,
    @DefaultValue("10000") @Min(16) int readerQueue,
    @DefaultValue("15s") Duration heartbeat,
    @DefaultValue("1s") Duration retry,
    @DefaultValue("5m") Duration replayWindow,
    @DefaultValue("2m") Duration startLookback,
    @DefaultValue("5s") Duration logCatchUp,
    @DefaultValue("100") @Min(1) int maxStreamsPerUser,
    @DefaultValue("500ms") Duration fetchMaxWait,
    @DefaultValue("5m") Duration agentStreamTtl,
    @DefaultValue("10000") @Min(1) int maxStreamsPerService,
    @DefaultValue("256") @Min(0) int maxOpeningStreams,
    @DefaultValue("5000") @Min(0) int maxWaitingStreams,
    @DefaultValue("3s") Duration openWait) {}
