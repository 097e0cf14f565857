package io.runstream.worker.context;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * What a run's model is told before the message ({@code runstream.context.*}).
 *
 * @param identity whether the identity block ({@code [SECURE_CONTEXT]}: the user's id, email and
 *     name) opens the prompt; tools' {@code user_id} arguments are overwritten with the user's id
 *     either way
 * @param identityEmail whether the identity block carries the user's email
 * @param nodes how many of the user's context nodes, by weight, go into the prompt (0: none)
 * @param nodesCacheTtl how long a user's nodes are cached by a worker
 * @param files where files may come from and how large they may be
 */
@ConfigurationProperties("runstream.context")
public record ContextProperties(
    @DefaultValue("true") boolean identity,
    @DefaultValue("true") boolean identityEmail,
    @DefaultValue("15") int nodes,
    @DefaultValue("5m") Duration nodesCacheTtl,
    @DefaultValue Files files) {

  /**
   * The request's {@code files}: inline {@code content} is always accepted; a {@code path} only
   * under {@code uploads-dir}; a {@code url} only when it starts with one of {@code
   * allowed-url-prefixes}.
   *
   * @param uploadsDir the directory a file's {@code path} is relative to; unset = paths are refused
   * @param allowedUrlPrefixes URL prefixes files may be fetched from (e.g. {@code
   *     https://files.example.com/}); empty = URLs are refused
   * @param maxBytes largest file read (its bytes, before extraction)
   * @param maxChars most characters of one file's text given to the model (the rest is cut, and the
   *     cut is said)
   * @param maxFiles most files read per run (more are refused with {@code extract_failed}); project
   *     chat's {@code existing_documents} count too
   * @param fetchTimeout how long fetching a URL may take
   * @param extractTimeout how long extracting one file's text may take (a document built to keep
   *     the parser busy fails with {@code extract_failed} instead of holding the run)
   */
  public record Files(
      Path uploadsDir,
      @DefaultValue List<String> allowedUrlPrefixes,
      @DefaultValue("10MB") DataSize maxBytes,
      @DefaultValue("100000") int maxChars,
      @DefaultValue("50") int maxFiles,
      @DefaultValue("10s") Duration fetchTimeout,
      @DefaultValue("30s") Duration extractTimeout) {

    public Files {
      allowedUrlPrefixes = allowedUrlPrefixes == null ? List.of() : List.copyOf(allowedUrlPrefixes);
    }
  }
}
