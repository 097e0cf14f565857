package io.runstream.ingest.usage;

import io.runstream.core.identity.Caller;
import io.runstream.core.identity.CallerResolver;
import io.runstream.core.problem.ApiException;
import io.runstream.core.time.Timestamps;
import io.runstream.core.usage.LatencySketch;
import io.runstream.core.usage.UsageRollupStore;
import io.runstream.schemas.UsageRollup;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * An organisation's usage from the roll-ups (docs/faces/canonical.md): runs, failures,
 * cancellations, tokens, time to first token and duration (p50/p95) per window, optionally per user
 * and model; for the organisation's administrators.
 */
@RestController
@RequestMapping(path = "/api/v1/usage", produces = MediaType.APPLICATION_JSON_VALUE)
public class UsageController {
  /** Most windows one answer covers (a day of minutes, 60 days of hours). */
  static final int MAX_WINDOWS = 1440;

  private final CallerResolver callers;
  private final UsageRollupStore rollups;

  public UsageController(CallerResolver callers, UsageRollupStore rollups) {
    this.callers = callers;
    this.rollups = rollups;
  }

  /**
   * The usage of the caller's organisation.
   *
   * @param granularity {@code minute} or {@code hour} (default)
   * @param from the first window's start (ISO-8601; default: 24 hours or 60 minutes before {@code
   *     to}), rounded down to a window's start
   * @param to the end of the range (default: now), rounded up to a window's end
   * @param groupBy {@code user}, {@code model} or both, comma-separated; default: the organisation
   *     as a whole
   */
  @GetMapping
  public Map<String, Object> usage(
      @RequestParam(name = "granularity", required = false) String granularity,
      @RequestParam(name = "from", required = false) String from,
      @RequestParam(name = "to", required = false) String to,
      @RequestParam(name = "group_by", required = false) String groupBy) {
    Caller caller = callers.current();
    if (!caller.admin()) {
      throw new ApiException(
          HttpStatus.FORBIDDEN,
          "forbidden",
          "Forbidden",
          "Only an organisation's administrators see its usage.");
    }
    String unit = granularity == null || granularity.isEmpty() ? "hour" : granularity;
    if (!unit.equals("minute") && !unit.equals("hour")) {
      throw ApiException.invalid("granularity", "must be minute or hour");
    }
    ChronoUnit chrono = unit.equals("hour") ? ChronoUnit.HOURS : ChronoUnit.MINUTES;
    Duration size = chrono.getDuration();
    Instant end = roundUp(to == null || to.isEmpty() ? Instant.now() : instant("to", to), chrono);
    Instant start =
        (from == null || from.isEmpty()
                ? end.minus(size.multipliedBy(unit.equals("hour") ? 24 : 60))
                : instant("from", from))
            .truncatedTo(chrono);
    if (!start.isBefore(end)) {
      throw ApiException.invalid("from", "must be before to");
    }
    if (Duration.between(start, end).dividedBy(size) > MAX_WINDOWS) {
      throw ApiException.invalid(
          "from", "the range covers more than " + MAX_WINDOWS + " " + unit + "s; narrow it");
    }
    Set<String> groups = groups(groupBy);
    boolean byUser = groups.contains("user");
    boolean byModel = groups.contains("model");

    List<UsageRollup> windows = rollups.windows(caller.orgId(), unit, start, end);
    Map<UUID, String> subjects =
        byUser
            ? rollups.subjects(
                caller.orgId(),
                windows.stream()
                    .map(UsageRollup::userId)
                    .filter(Objects::nonNull)
                    .collect(Collectors.toSet()))
            : Map.of();

    Map<List<Object>, Total> rows = new LinkedHashMap<>();
    Total all = new Total();
    for (UsageRollup window : windows) {
      List<Object> key = new ArrayList<>(List.of(window.windowStart()));
      key.add(byUser ? Objects.requireNonNullElse(window.userId(), UsageRollupStore.NO_USER) : "");
      key.add(byModel ? window.model() : "");
      rows.computeIfAbsent(key, k -> new Total()).add(window);
      all.add(window);
    }
    List<Map<String, Object>> data = new ArrayList<>();
    rows.forEach(
        (key, total) -> {
          Instant windowStart = (Instant) key.get(0);
          Map<String, Object> row = new LinkedHashMap<>();
          row.put("window_start", Timestamps.format(windowStart));
          row.put("window_end", Timestamps.format(windowStart.plus(size)));
          if (byUser) {
            UUID user = (UUID) key.get(1);
            row.put("user", UsageRollupStore.NO_USER.equals(user) ? null : subjects.get(user));
          }
          if (byModel) {
            row.put("model", key.get(2));
          }
          row.putAll(total.view());
          data.add(row);
        });
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("organisation", caller.org());
    body.put("granularity", unit);
    body.put("from", Timestamps.format(start));
    body.put("to", Timestamps.format(end));
    body.put("group_by", groups.stream().sorted().toList());
    body.put("data", data);
    body.put("totals", all.view());
    return body;
  }

  private static Set<String> groups(String groupBy) {
    Set<String> groups = new HashSet<>();
    if (groupBy == null || groupBy.isBlank()) {
      return groups;
    }
    for (String group : groupBy.split(",")) {
      String name = group.trim();
      if (!name.equals("user") && !name.equals("model")) {
        throw ApiException.invalid("group_by", "may name user and model, comma-separated");
      }
      groups.add(name);
    }
    return groups;
  }

  /**
   * The earliest and latest instants a range may name (the calendar's four-digit years;
   * PostgreSQL's too).
   */
  static final Instant EARLIEST = Instant.parse("0001-01-01T00:00:00Z");

  static final Instant LATEST = Instant.parse("9999-12-31T23:59:59Z");

  private static Instant instant(String field, String text) {
    Instant instant;
    try {
      instant = Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw ApiException.invalid(field, "must be an ISO-8601 instant such as 2026-12-01T15:00:00Z");
    }
    if (instant.isBefore(EARLIEST) || instant.isAfter(LATEST)) {
      throw ApiException.invalid(field, "must be an instant from " + EARLIEST + " to " + LATEST);
    }
    return instant;
  }

  private static Instant roundUp(Instant instant, ChronoUnit unit) {
    Instant down = instant.truncatedTo(unit);
    return down.equals(instant) ? down : down.plus(unit.getDuration());
  }

  /** A sum of windows. */
  private static final class Total {
    long runs;
    long failures;
    long cancellations;
    long input;
    long output;
    final LatencySketch ttft = new LatencySketch();
    final LatencySketch duration = new LatencySketch();

    void add(UsageRollup window) {
      runs += window.runs();
      failures += window.failures();
      cancellations += window.cancellations();
      input += window.inputTokens();
      output += window.outputTokens();
      ttft.merge(LatencySketch.of(window.timeToFirstTokenMs()));
      duration.merge(LatencySketch.of(window.durationMs()));
    }

    Map<String, Object> view() {
      Map<String, Object> view = new LinkedHashMap<>();
      view.put("runs", runs);
      view.put("failures", failures);
      view.put("cancellations", cancellations);
      view.put("input_tokens", input);
      view.put("output_tokens", output);
      view.put("total_tokens", input + output);
      view.put("time_to_first_token_ms", latency(ttft));
      view.put("duration_ms", latency(duration));
      return view;
    }

    private static Map<String, Object> latency(LatencySketch sketch) {
      Map<String, Object> view = new LinkedHashMap<>();
      view.put("count", sketch.count());
      view.put("p50", sketch.quantile(0.5));
      view.put("p95", sketch.quantile(0.95));
      return view;
    }
  }
}
