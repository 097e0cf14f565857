/**
 * The Runstream event contract: every Kafka record as a Java record, the topic catalogue and the
 * JSON codec.
 *
 * <p>Every record value is JSON with {@code "v": 1}. Changes are additive; a breaking change is a
 * new version. The JSON Schema of each record lives in {@code /schemas/*.json} on the classpath.
 */
package io.runstream.schemas;
