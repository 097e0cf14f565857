package io.runstream.worker.context;

import io.runstream.schemas.RunRequested;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.tika.Tika;
import org.apache.tika.exception.EncryptedDocumentException;
import org.apache.tika.exception.TikaException;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.TikaCoreProperties;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Reads a request's file and extracts its text with Apache Tika (PDF, Word, Excel, PowerPoint,
 * OpenDocument, HTML, plain text and more). Where a file may come from is the operator's decision
 * ({@link ContextProperties.Files}): inline {@code content} always; a {@code path} only inside the
 * uploads directory (no {@code ..}, no symbolic link out of it); a {@code url} only under an
 * allowed prefix, without following redirects. Every source is bounded by {@code max-bytes}, the
 * text by {@code max-chars}.
 */
@Component
public class FileExtractor {
  private final ContextProperties.Files properties;
  private final HttpClient http;
  private final Tika tika;

  @Autowired
  public FileExtractor(ContextProperties properties) {
    this(properties, new Tika());
  }

  FileExtractor(ContextProperties properties, Tika tika) {
    this.tika = tika;
    this.properties = properties.files();
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(this.properties.fetchTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /**
   * A file's text.
   *
   * @param name the file's name
   * @param text its text, at most {@code max-chars}
   * @param truncated whether the text was cut there
   */
  public record Extracted(String name, String text, boolean truncated) {}

  /** Why a file could not be read; the message is safe to show to the user. */
  public static final class Unreadable extends Exception {
    Unreadable(String message) {
      super(message, null, false, false);
    }
  }

  /** Reads and extracts one file. */
  public Extracted extract(RunRequested.FileRef file) throws Unreadable {
    byte[] bytes = read(file);
    Metadata metadata = new Metadata();
    metadata.set(TikaCoreProperties.RESOURCE_NAME_KEY, file.name());
    if (file.mediaType() != null && !file.mediaType().isBlank()) {
      metadata.set(Metadata.CONTENT_TYPE, file.mediaType());
    }
    int max = properties.maxChars();
    String text = parse(file, bytes, metadata, max + 1);
    boolean truncated = text.length() > max;
    if (text.isEmpty()) {
      throw new Unreadable(file.name() + " has no text to extract");
    }
    return new Extracted(file.name(), truncated ? text.substring(0, max) : text, truncated);
  }

  /**
   * The document's text, at most {@code limit} characters (one more than the bound tells whether
   * the text was cut), parsed in a virtual thread within {@code extract-timeout}: when the time is
   * up the parser is interrupted and its reads fail, and the file is given up.
   */
  private String parse(RunRequested.FileRef file, byte[] bytes, Metadata metadata, int limit)
      throws Unreadable {
    AtomicBoolean abandoned = new AtomicBoolean();
    CompletableFuture<String> parsed = new CompletableFuture<>();
    Thread parser =
        Thread.ofVirtual()
            .name("extract-text")
            .start(
                () -> {
                  try (InputStream in =
                      new Abandonable(new ByteArrayInputStream(bytes), abandoned)) {
                    parsed.complete(tika.parseToString(in, metadata, limit).strip());
                  } catch (Throwable e) {
                    parsed.completeExceptionally(e);
                  }
                });
    try {
      return parsed.get(properties.extractTimeout().toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      abandoned.set(true);
      parser.interrupt();
      throw new Unreadable(
          file.name()
              + " could not be read as a document within "
              + shown(properties.extractTimeout())
              + " (runstream.context.files.extract-timeout)");
    } catch (InterruptedException e) {
      abandoned.set(true);
      parser.interrupt();
      Thread.currentThread().interrupt();
      throw new Unreadable(file.name() + ": reading was interrupted");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof EncryptedDocumentException) {
        throw new Unreadable(file.name() + " is encrypted");
      }
      if (cause instanceof TikaException || cause instanceof IOException) {
        throw new Unreadable(
            file.name() + " could not be read as a document (" + reason((Exception) cause) + ")");
      }
      // Parsers of hostile files fail in many ways (a stack overflow on deep nesting included: the
      // parser has a thread
      // of its own); none of them may end the run.
      throw new Unreadable(file.name() + " could not be read as a document");
    }
  }

  private static String shown(Duration duration) {
    return duration.toMillis() % 1000 == 0
        ? duration.toSeconds() + " s"
        : duration.toMillis() + " ms";
  }

  /**
   * A stream whose reads fail once its parse is abandoned, so that a parser still reading stops.
   */
  private static final class Abandonable extends FilterInputStream {
    private final AtomicBoolean abandoned;

    Abandonable(InputStream in, AtomicBoolean abandoned) {
      super(in);
      this.abandoned = abandoned;
    }

    private void check() throws IOException {
      if (abandoned.get()) {
        throw new InterruptedIOException("the extraction took too long");
      }
    }

    @Override
    public int read() throws IOException {
      check();
      return super.read();
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      check();
      return super.read(b, off, len);
    }

    @Override
    public long skip(long n) throws IOException {
      check();
      return super.skip(n);
    }
  }

  private byte[] read(RunRequested.FileRef file) throws Unreadable {
    if (file.content() != null) {
      return inline(file);
    }
    if (file.path() != null) {
      return fromUploads(file);
    }
    if (file.url() != null) {
      return fetch(file);
    }
    throw new Unreadable(file.name() + " has no content, path or url");
  }

  /** Inline content: a {@code data:} URL, base64 for a binary media type, else the text itself. */
  private byte[] inline(RunRequested.FileRef file) throws Unreadable {
    String content = file.content();
    String base64 = null;
    int comma = content.indexOf(',');
    if (content.startsWith("data:")
        && comma > 0
        && content.substring(0, comma).endsWith(";base64")) {
      base64 = content.substring(comma + 1);
    } else if (file.mediaType() != null && !textual(file.mediaType())) {
      base64 = content;
    }
    byte[] bytes;
    if (base64 == null) {
      bytes = content.getBytes(StandardCharsets.UTF_8);
    } else {
      try {
        bytes = Base64.getDecoder().decode(base64.replaceAll("\\s", ""));
      } catch (IllegalArgumentException e) {
        throw new Unreadable(file.name() + ": content is not valid base64");
      }
    }
    bound(file, bytes.length);
    return bytes;
  }

  private byte[] fromUploads(RunRequested.FileRef file) throws Unreadable {
    Path root = properties.uploadsDir();
    if (root == null) {
      throw new Unreadable(
          file.name() + ": files by path are not enabled (runstream.context.files.uploads-dir)");
    }
    try {
      Path base = root.toAbsolutePath().normalize();
      Path resolved = base.resolve(file.path()).normalize();
      if (!resolved.startsWith(base) || !resolved.toRealPath().startsWith(base.toRealPath())) {
        throw new Unreadable(file.name() + ": the path is outside the uploads directory");
      }
      if (!Files.isRegularFile(resolved)) {
        throw new Unreadable(file.name() + ": no such file in the uploads directory");
      }
      bound(file, Files.size(resolved));
      return Files.readAllBytes(resolved);
    } catch (NoSuchFileException e) {
      throw new Unreadable(file.name() + ": no such file in the uploads directory");
    } catch (IOException | InvalidPathException e) {
      throw new Unreadable(file.name() + ": the file could not be read");
    }
  }

  private byte[] fetch(RunRequested.FileRef file) throws Unreadable {
    URI uri;
    try {
      uri = URI.create(file.url()).normalize();
    } catch (IllegalArgumentException e) {
      throw new Unreadable(file.name() + ": the url is not valid");
    }
    if (!allowed(uri)) {
      throw new Unreadable(
          file.name() + ": the url is not allowed (runstream.context.files.allowed-url-prefixes)");
    }
    long deadline = System.nanoTime() + properties.fetchTimeout().toNanos();
    CompletableFuture<byte[]> fetched =
        http.sendAsync(
                HttpRequest.newBuilder(uri).timeout(properties.fetchTimeout()).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream())
            .thenApply(
                response -> {
                  try (InputStream body = response.body()) {
                    if (response.statusCode() != 200) {
                      throw new CompletionException(
                          new Unreadable(
                              file.name() + ": the url answered " + response.statusCode()));
                    }
                    return body.readNBytes(
                        (int) Math.min(Integer.MAX_VALUE - 8, properties.maxBytes().toBytes() + 1));
                  } catch (IOException e) {
                    throw new CompletionException(e);
                  }
                });
    try {
      // The whole fetch, body included, within fetch-timeout: a server that trickles cannot hold
      // the run.
      byte[] bytes = fetched.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      bound(file, bytes.length);
      return bytes;
    } catch (TimeoutException e) {
      fetched.cancel(true);
      throw new Unreadable(
          file.name()
              + ": the url did not answer within "
              + properties.fetchTimeout().toSeconds()
              + " s");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Unreadable unreadable) {
        throw unreadable;
      }
      throw new Unreadable(
          file.name()
              + ": the url could not be fetched ("
              + reason((Exception) e.getCause())
              + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Unreadable(file.name() + ": fetching was interrupted");
    }
  }

  /**
   * The URL is under an allowed prefix: same scheme, host and port, and its path within the
   * prefix's path, segment by segment (no user info; no encoded dots or slashes that could climb
   * out).
   */
  private boolean allowed(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    String rawPath = uri.getRawPath() == null ? "" : uri.getRawPath().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https"))
        || uri.getRawUserInfo() != null
        || uri.getHost() == null
        || rawPath.contains("%2e")
        || rawPath.contains("%2f")
        || rawPath.contains("%5c")
        || rawPath.contains("/../")) {
      return false;
    }
    for (String prefix : properties.allowedUrlPrefixes()) {
      URI allowed;
      try {
        allowed = URI.create(prefix).normalize();
      } catch (IllegalArgumentException e) {
        continue;
      }
      String allowedPath =
          allowed.getPath() == null || allowed.getPath().isEmpty() ? "/" : allowed.getPath();
      String base = allowedPath.endsWith("/") ? allowedPath : allowedPath + "/";
      String path = uri.getPath() == null || uri.getPath().isEmpty() ? "/" : uri.getPath();
      if (scheme.equalsIgnoreCase(allowed.getScheme())
          && uri.getHost().equalsIgnoreCase(allowed.getHost())
          && port(uri) == port(allowed)
          && (path.startsWith(base) || path.equals(allowedPath))) {
        return true;
      }
    }
    return false;
  }

  private static int port(URI uri) {
    return uri.getPort() != -1
        ? uri.getPort()
        : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  private void bound(RunRequested.FileRef file, long size) throws Unreadable {
    if (size > properties.maxBytes().toBytes()) {
      throw new Unreadable(
          file.name()
              + " is larger than "
              + properties.maxBytes().toBytes()
              + " bytes (runstream.context.files.max-bytes)");
    }
  }

  private static boolean textual(String mediaType) {
    String type = mediaType.toLowerCase(Locale.ROOT).split(";")[0].strip();
    return type.startsWith("text/")
        || type.endsWith("+json")
        || type.endsWith("+xml")
        || Set.of(
                "application/json",
                "application/xml",
                "application/x-yaml",
                "application/yaml",
                "application/javascript",
                "application/x-ndjson")
            .contains(type);
  }

  private static String reason(Exception e) {
    return e.getClass().getSimpleName();
  }
}
