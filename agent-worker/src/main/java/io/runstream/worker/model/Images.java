package io.runstream.worker.model;

import io.runstream.schemas.RunRequested;

/**
 * A request's image as each provider wants it: a URL (OpenAI takes {@code data:} URLs too) or
 * base64 data.
 */
public final class Images {
  private Images() {}

  /**
   * An image as base64 data.
   *
   * @param mediaType its media type
   * @param base64 its bytes, base64
   */
  public record Inline(String mediaType, String base64) {}

  /** The image as one URL: its {@code url}, or a {@code data:} URL of its inline data. */
  public static String url(RunRequested.ImageRef image) {
    if (image.url() != null) {
      return image.url();
    }
    return "data:" + mediaType(image) + ";base64," + image.data();
  }

  /**
   * The image's inline data: its {@code data}, or that of a {@code data:} URL; null for a remote
   * URL.
   */
  public static Inline inline(RunRequested.ImageRef image) {
    if (image.data() != null) {
      return new Inline(mediaType(image), image.data());
    }
    String url = image.url();
    int comma = url.indexOf(',');
    if (url.startsWith("data:") && comma > 0 && url.substring(0, comma).endsWith(";base64")) {
      String type = url.substring(5, comma - ";base64".length());
      return new Inline(type.isEmpty() ? mediaType(image) : type, url.substring(comma + 1));
    }
    return null;
  }

  private static String mediaType(RunRequested.ImageRef image) {
    return image.mediaType() == null || image.mediaType().isBlank()
        ? "image/png"
        : image.mediaType();
  }
}
