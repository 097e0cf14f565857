package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * House style (issue #26 item 5): code names classes by an import and their simple name, never
 * fully qualified inline ({@code java.util.List<String> names}). Strings, comments and the {@code
 * package} and {@code import} lines are not code here. A fully qualified name stays only where its
 * simple name clashes with another class the file already names (imported, declared, in the same
 * package or in {@code java.lang}); each such case is in {@link #CLASHES}, by file and name.
 */
class NoInlineQualifiedNamesTest {
  private static final Path ROOT = Path.of("..");

  /** A package-qualified class name: a known top-level domain, lower-case segments, a class. */
  private static final Pattern QUALIFIED =
      Pattern.compile(
          "(?<![\\w.])(?:java|javax|jakarta|org|io|com|tools|reactor|net)\\.[a-z0-9_.]+\\.[A-Z]\\w*");

  /** The legitimate clashes: "file (from the repository root) name". */
  private static final Set<String> CLASHES =
      Set.of(
          // java.util.concurrent.TimeoutException is imported; Kafka's is spelt out.
          "core/src/main/java/io/runstream/core/failure/Failures.java"
              + " org.apache.kafka.common.errors.TimeoutException");

  record Hit(int line, String name) {}

  @Test
  void noJavaSourceSpellsAClassOutInline() throws IOException {
    assertThat(ROOT.resolve("pom.xml")).exists();
    List<Path> sources;
    try (Stream<Path> files = Files.walk(ROOT)) {
      sources =
          files
              .filter(file -> file.toString().endsWith(".java"))
              .filter(
                  file -> {
                    for (Path part : ROOT.relativize(file)) {
                      String name = part.toString();
                      if (name.equals("target") || name.equals("node_modules")) {
                        return false;
                      }
                    }
                    return true;
                  })
              .sorted()
              .toList();
    }
    assertThat(sources).as("the modules' Java sources").hasSizeGreaterThan(100);
    List<String> found = new ArrayList<>();
    for (Path source : sources) {
      String file = ROOT.relativize(source).toString().replace('\\', '/');
      for (Hit hit : inlineNames(Files.readString(source, StandardCharsets.UTF_8))) {
        if (!CLASHES.contains(file + " " + hit.name())) {
          found.add(file + ":" + hit.line() + ": " + hit.name());
        }
      }
    }
    assertThat(found)
        .as(
            "classes spelt out fully qualified in code: import them and use the simple name (a"
                + " genuine clash of simple names goes in CLASHES)")
        .isEmpty();
  }

  @Test
  void theRuleFindsAnInlineNameInCodeOnly() {
    String source =
        """
        package io.runstream.example;

        import java.util.Map;

        /** Uses {@link java.util.List}. */
        class Example {
          java.util.List<String> names; // java.util.Set in a comment
          String text = "java.util.Queue in a string";
          Object status = org.springframework.http.HttpStatus.CONFLICT;
          String block = \"""
              io.runstream.core.store.RunStore
              \""";
        }
        """;
    assertThat(inlineNames(source))
        .containsExactly(
            new Hit(7, "java.util.List"), new Hit(9, "org.springframework.http.HttpStatus"));
  }

  /** The qualified class names in a source's code, by line. */
  static List<Hit> inlineNames(String source) {
    String[] lines = codeOnly(source).split("\n", -1);
    List<Hit> hits = new ArrayList<>();
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.startsWith("package ") || line.startsWith("import ")) {
        continue;
      }
      Matcher matcher = QUALIFIED.matcher(lines[i]);
      while (matcher.find()) {
        hits.add(new Hit(i + 1, matcher.group()));
      }
    }
    return hits;
  }

  /** The source with its comments, strings, text blocks and characters blanked, lines kept. */
  static String codeOnly(String source) {
    StringBuilder code = new StringBuilder(source.length());
    int n = source.length();
    int i = 0;
    while (i < n) {
      int end;
      if (source.startsWith("//", i)) {
        end = source.indexOf('\n', i);
        end = end < 0 ? n : end;
      } else if (source.startsWith("/*", i)) {
        end = source.indexOf("*/", i + 2);
        end = end < 0 ? n : end + 2;
      } else if (source.startsWith("\"\"\"", i)) {
        end = i + 3;
        while (end < n && !source.startsWith("\"\"\"", end)) {
          end += source.charAt(end) == '\\' ? 2 : 1;
        }
        end = Math.min(n, end + 3);
      } else if (source.charAt(i) == '"' || source.charAt(i) == '\'') {
        char quote = source.charAt(i);
        end = i + 1;
        while (end < n && source.charAt(end) != quote && source.charAt(end) != '\n') {
          end += source.charAt(end) == '\\' ? 2 : 1;
        }
        end = Math.min(n, end + 1);
      } else {
        code.append(source.charAt(i++));
        continue;
      }
      for (int j = i; j < end; j++) {
        code.append(source.charAt(j) == '\n' ? '\n' : ' ');
      }
      i = end;
    }
    return code.toString();
  }
}
