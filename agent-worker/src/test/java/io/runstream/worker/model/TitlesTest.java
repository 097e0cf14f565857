package io.runstream.worker.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TitlesTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "Generate 5 random cat names|5 random cat names",
        "Can you explain how Kafka partitions work?|How Kafka partitions work",
        "please write a haiku about autumn leaves falling slowly down|A haiku about autumn leaves falling",
        "Hi|Hi",
        "   ???   |New conversation",
        "tell me|Tell me"
      })
  void shouldTitleAConversationByTheGistOfItsFirstMessage(String message, String title) {
    assertThat(Titles.fromMessage(message)).isEqualTo(title);
  }
}
