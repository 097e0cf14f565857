package io.runstream.client;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import tools.jackson.databind.JsonNode;

/**
 * A run's stream as typed parts, read once, in order. A dropped connection (a network error, a node
 * restarting, a server that cut a slow reader off) is reopened with {@code Last-Event-ID} of the
 * last event received, so the parts come exactly once and in order; {@code 204} on a reopen means
 * the run had ended with nothing more to read. The stream ends after the run's {@code finish}
 * ({@code data: [DONE]}). {@code 429} and {@code 503} are retried after their {@code Retry-After};
 * any other error answer is thrown as {@link RunstreamException}.
 */
public final class RunStream implements Iterable<StreamPart>, AutoCloseable {
  private final RunstreamClient client;
  private final String path;
  private long lastId;
  private InputStream body;
  private BufferedReader reader;
  private boolean done;
  private volatile boolean closed;
  private boolean finished;
  private boolean sawDone;
  private boolean iterated;
  private int reconnects;
  private int failuresInARow;
  private long retryMillis = -1;
  private StreamPart next;

  RunStream(RunstreamClient client, String path, long afterId) {
    this.client = client;
    this.path = path;
    this.lastId = afterId;
  }

  /** The id of the last event received (-1 before the first): where a later reader would resume. */
  public long lastEventId() {
    return lastId;
  }

  /** How many times the stream was reopened after a dropped connection. */
  public int reconnects() {
    return reconnects;
  }

  /** Whether the run's end was read ({@code finish}, or a {@code 204} on reopening). */
  public boolean ended() {
    return done && !closed;
  }

  /** The parts, blocking for each; single use. */
  @Override
  public Iterator<StreamPart> iterator() {
    if (iterated) {
      throw new IllegalStateException("a RunStream is read once");
    }
    iterated = true;
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        if (next == null) {
          next = advance();
        }
        return next != null;
      }

      @Override
      public StreamPart next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        StreamPart part = next;
        next = null;
        return part;
      }
    };
  }

  /**
   * Stops reading; the connection is closed (the run goes on: {@link RunstreamClient#cancel} stops
   * it).
   */
  @Override
  public void close() {
    closed = true;
    closeBody();
  }

  private StreamPart advance() {
    while (!done && !closed) {
      if (reader == null && !open()) {
        done = true;
        return null;
      }
      try {
        StreamPart part = readEvent();
        if (part != null) {
          failuresInARow = 0;
          if (part.id() >= 0 && part.id() <= lastId) {
            continue; // already had it (a server that resent from an earlier point)
          }
          if (part.id() >= 0) {
            lastId = part.id();
          }
          if (part instanceof StreamPart.Finish) {
            finished = true;
          }
          return part;
        }
        closeBody();
        if (sawDone || finished) {
          done = true;
          return null;
        }
        // the server closed the stream before the run's end: reopened from the last id
        failed("the stream ended before the run's end", null);
        pause();
      } catch (IOException e) {
        closeBody();
        if (closed) {
          return null;
        }
        if (finished) {
          done = true;
          return null;
        }
        failed(e.toString(), e);
        pause();
      }
      reconnects++;
    }
    return null;
  }

  /**
   * Opens (or reopens) the stream; false when the run has ended with nothing more to read (204).
   */
  private boolean open() {
    while (true) {
      if (closed) {
        return false;
      }
      HttpResponse<InputStream> response;
      try {
        response = client.openStream(path, lastId);
      } catch (IOException e) {
        failed(e.toString(), e);
        pause();
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new RunstreamException("reading the stream was interrupted", e);
      }
      int status = response.statusCode();
      if (status == 200) {
        body = response.body();
        reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
        if (closed) {
          // closed by another thread while this one reopened: nothing more is read
          closeBody();
          return false;
        }
        return true;
      }
      String text = drain(response.body());
      if (status == 204) {
        return false;
      }
      if (status == 429 || status == 502 || status == 503 || status == 504) {
        failed("HTTP " + status, null);
        retryMillis =
            response
                .headers()
                .firstValue("Retry-After")
                .map(RunStream::seconds)
                .orElse(retryMillis);
        pause();
        continue;
      }
      throw RunstreamClient.problem(status, text);
    }
  }

  private void failed(String why, Throwable cause) {
    if (++failuresInARow > client.maxReconnects()) {
      throw new RunstreamException(
          "the stream could not be reopened "
              + client.maxReconnects()
              + " times in a row (last: "
              + why
              + ")",
          cause);
    }
  }

  /** One event (its parts joined), or null at the end of the body or after {@code [DONE]}. */
  private StreamPart readEvent() throws IOException {
    BufferedReader reader = this.reader; // close() from another thread clears the field
    if (reader == null) {
      throw new IOException("the stream was closed");
    }
    StringBuilder data = null;
    long id = -1;
    String line;
    while ((line = reader.readLine()) != null) {
      if (line.isEmpty()) {
        if (data == null) {
          id = -1;
          continue;
        }
        String payload = data.toString();
        if (payload.equals("[DONE]")) {
          sawDone = true;
          return null;
        }
        JsonNode json;
        try {
          json = RunstreamClient.JSON.readTree(payload);
        } catch (RuntimeException e) {
          throw new UncheckedIOException(
              new IOException("an event that is not JSON: " + payload, e));
        }
        return StreamPart.of(id, json);
      }
      if (line.startsWith(":")) {
        continue; // a comment: the opening, heartbeats
      }
      int colon = line.indexOf(':');
      String field = colon < 0 ? line : line.substring(0, colon);
      String value = colon < 0 ? "" : line.substring(colon + 1);
      if (value.startsWith(" ")) {
        value = value.substring(1);
      }
      switch (field) {
        case "data" ->
            data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
        case "id" -> {
          try {
            id = Long.parseLong(value.trim());
          } catch (NumberFormatException e) {
            id = -1;
          }
        }
        case "retry" -> {
          try {
            retryMillis = Long.parseLong(value.trim());
          } catch (NumberFormatException ignored) {
            // not a number: ignored, as browsers do
          }
        }
        default -> {
          // event: and unknown fields: the canonical face sends neither
        }
      }
    }
    return null;
  }

  private void pause() {
    long millis = retryMillis >= 0 ? retryMillis : client.reconnectDelay().toMillis();
    try {
      Thread.sleep(Duration.ofMillis(Math.max(0, millis)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RunstreamException("reading the stream was interrupted", e);
    }
  }

  private static long seconds(String retryAfter) {
    try {
      return Long.parseLong(retryAfter.trim()) * 1000;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static String drain(InputStream in) {
    try (in) {
      return new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  private void closeBody() {
    InputStream open = body;
    body = null;
    reader = null;
    if (open != null) {
      try {
        open.close();
      } catch (IOException ignored) {
        // closing a connection that is gone
      }
    }
  }
}
