package io.runstream.admission;

import io.runstream.core.problem.ApiException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A validated page of a listing: {@code page} from 1, {@code page_size} from 1 to the configured
 * maximum.
 *
 * @param page the page number
 * @param size the page size
 */
public record PageRequest(int page, int size) {

  /** Parses the query parameters; 400 with the field's name for anything off. */
  public static PageRequest parse(String page, String size, int defaultSize, int maxSize) {
    return new PageRequest(
        number("page", page, 1, Integer.MAX_VALUE / 2, 1),
        number("page_size", size, 1, maxSize, defaultSize));
  }

  private static int number(String field, String text, int min, int max, int fallback) {
    if (text == null || text.isEmpty()) {
      return fallback;
    }
    if (!text.matches("\\d{1,10}")) {
      throw ApiException.invalid(field, "must be an integer from " + min + " to " + max);
    }
    long value = Long.parseLong(text);
    if (value < min || value > max) {
      throw ApiException.invalid(field, "must be an integer from " + min + " to " + max);
    }
    return (int) value;
  }

  public long offset() {
    return (long) (page - 1) * size;
  }

  /**
   * The paginated answer: {@code {count, next, previous, results}}; {@code url} may carry a query
   * of its own.
   */
  public Map<String, Object> answer(String url, long count, List<?> results) {
    String pages = url + (url.contains("?") ? "&" : "?") + "page=";
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("count", count);
    body.put(
        "next",
        offset() + results.size() < count ? pages + (page + 1) + "&page_size=" + size : null);
    body.put(
        "previous",
        page > 1 ? pages + Math.min(page - 1, lastPage(count)) + "&page_size=" + size : null);
    body.put("results", new ArrayList<>(results));
    return body;
  }

  private int lastPage(long count) {
    return (int) Math.max(1, (count + size - 1) / size);
  }
}
