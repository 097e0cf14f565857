package io.runstream.bench;

import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunChunk;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

/**
 * The chunk codec alone, on one thread: nanoseconds per text delta written and read, by the general
 * (tree) path and by the codec as used ({@code EventJson.writeChunk} / {@code readChunk}). {@code
 * bin/runstream bench codec}.
 */
final class CodecBench {
  private CodecBench() {}

  static void run(List<String> report) {
    List<RunChunk> chunks = new ArrayList<>();
    UUID run = UUID.randomUUID();
    UUID session = UUID.randomUUID();
    for (int i = 0; i < 1_000; i++) {
      chunks.add(
          new RunChunk(
              1,
              run,
              session,
              i + 2,
              Instant.now().plusNanos(i * 1_000L),
              "text-0",
              new ChunkData.TextDelta(" token" + i)));
    }
    List<byte[]> bytes = chunks.stream().map(EventJson::writeChunk).toList();
    long sink = 0;
    double[] results = new double[4];
    for (int round = 0; round < 12; round++) {
      // rounds 0-5 warm the JIT up; the figures are the last six rounds' best
      long t0 = System.nanoTime();
      for (int rep = 0; rep < 200; rep++) {
        for (RunChunk chunk : chunks) {
          sink += EventJson.MAPPER.writeValueAsBytes(EventJson.chunkTree(chunk)).length;
        }
      }
      long t1 = System.nanoTime();
      for (int rep = 0; rep < 200; rep++) {
        for (RunChunk chunk : chunks) {
          sink += EventJson.writeChunk(chunk).length;
        }
      }
      long t2 = System.nanoTime();
      for (int rep = 0; rep < 200; rep++) {
        for (byte[] value : bytes) {
          sink += EventJson.chunkFromTree(EventJson.MAPPER.readTree(value)).seq();
        }
      }
      long t3 = System.nanoTime();
      for (int rep = 0; rep < 200; rep++) {
        for (byte[] value : bytes) {
          sink += EventJson.readChunk(value).seq();
        }
      }
      long t4 = System.nanoTime();
      if (round >= 6) {
        double n = 200.0 * chunks.size();
        double[] now = {(t1 - t0) / n, (t2 - t1) / n, (t3 - t2) / n, (t4 - t3) / n};
        for (int i = 0; i < 4; i++) {
          results[i] = round == 6 ? now[i] : Math.min(results[i], now[i]);
        }
      }
    }
    report.add("#### Chunk codec, one text delta (one thread, best of six rounds of 200,000)");
    report.add("");
    report.add("| | general path (JSON tree) | as used | ratio |");
    report.add("|---|---|---|---|");
    report.add(
        String.format(
            Locale.ROOT,
            "| write | %.0f ns | %.0f ns | %.1f× |",
            results[0],
            results[1],
            results[0] / results[1]));
    report.add(
        String.format(
            Locale.ROOT,
            "| read | %.0f ns | %.0f ns | %.1f× |",
            results[2],
            results[3],
            results[2] / results[3]));
    report.add("");
    report.add("(checksum " + (sink & 0xff) + ")");
  }
}
