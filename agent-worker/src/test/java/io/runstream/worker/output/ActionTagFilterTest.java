package io.runstream.worker.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ActionTagFilterTest {
  private final StringBuilder text = new StringBuilder();
  private final List<String> actions = new ArrayList<>();
  private final List<String> deltas = new ArrayList<>();
  private final ActionTagFilter filter =
      new ActionTagFilter(
          new ActionTagFilter.Sink() {
            @Override
            public void text(String delta) {
              text.append(delta);
              deltas.add(delta);
            }

            @Override
            public void action(String slug, String params) {
              actions.add(slug + " " + params + " after:" + text);
            }
          });

  private void feed(String... parts) {
    for (String part : parts) {
      filter.accept(part);
    }
    filter.flush();
  }

  @Test
  void aTagInOneDeltaIsCutAndDispatchedInPlace() {
    feed(
        "Sure. [ACTION:post-create:{\"title\":\"New photo set\",\"platform\":\"onlyfans\"}] Queued.");
    assertThat(text.toString()).isEqualTo("Sure.  Queued.");
    assertThat(actions)
        .containsExactly(
            "post-create {\"title\":\"New photo set\",\"platform\":\"onlyfans\"} after:Sure. ");
  }

  @Test
  void aTagSplitAcrossThreeDeltasNeverShowsInTheText() {
    feed("Done [ACT", "ION:memory-recall:{\"query\":", "\"cats\"}] ok");
    assertThat(text.toString()).isEqualTo("Done  ok");
    assertThat(String.join("|", deltas)).doesNotContain("[").doesNotContain("ACTION");
    assertThat(actions).containsExactly("memory-recall {\"query\":\"cats\"} after:Done ");
  }

  @Test
  void everySplitPointOfATagGivesTheSameResult() {
    String whole = "a[b] [ACTION:x-1:{\"s\":\"}]{[\\\"\",\"n\":{\"m\":[1,2]}}] z [ACTION:y:{}]";
    for (int i = 0; i <= whole.length(); i++) {
      for (int j = i; j <= whole.length(); j += 7) {
        text.setLength(0);
        actions.clear();
        feed(whole.substring(0, i), whole.substring(i, j), whole.substring(j));
        assertThat(text.toString()).as("split at %d,%d", i, j).isEqualTo("a[b]  z ");
        assertThat(actions)
            .as("split at %d,%d", i, j)
            .containsExactly(
                "x-1 {\"s\":\"}]{[\\\"\",\"n\":{\"m\":[1,2]}} after:a[b] ", "y {} after:a[b]  z ");
      }
    }
  }

  @Test
  void whatOnlyLooksLikeATagIsTextUnchanged() {
    feed(
        "[1] [ACTION] [ACTION:] [ACTION:slug] [ACTION:a b:{}] [ACTION:s:x] [ACTION:s:{} ] [ACTION:s:{\"a\":1}");
    assertThat(text.toString())
        .isEqualTo(
            "[1] [ACTION] [ACTION:] [ACTION:slug] [ACTION:a b:{}] [ACTION:s:x] [ACTION:s:{} ] [ACTION:s:{\"a\":1}");
    assertThat(actions).isEmpty();
  }

  @Test
  void aTagInsideHeldTextIsStillFound() {
    feed("[[ACTION:s:{}]", "]");
    assertThat(text.toString()).isEqualTo("[]");
    assertThat(actions).containsExactly("s {} after:[");
  }

  @Test
  void anEndlessTagIsReleasedAsTextAtTheBound() {
    String open = "[ACTION:s:{\"a\":\"" + "x".repeat(ActionTagFilter.MAX_TAG) + "\"}]";
    feed(open);
    assertThat(text.toString()).isEqualTo(open);
    assertThat(actions).isEmpty();
  }

  @Test
  void plainTextPassesDeltaForDelta() {
    feed("Hello", " world", ".");
    assertThat(deltas).containsExactly("Hello", " world", ".");
  }
}
