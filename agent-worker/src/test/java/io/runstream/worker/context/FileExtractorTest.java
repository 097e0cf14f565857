package io.runstream.worker.context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.runstream.schemas.RunRequested;
import io.runstream.worker.model.FakeProviderServer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.tika.Tika;
import org.apache.tika.detect.DefaultDetector;
import org.apache.tika.exception.TikaException;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.mime.MediaType;
import org.apache.tika.parser.AbstractParser;
import org.apache.tika.parser.ParseContext;
import org.apache.tika.parser.Parser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import org.xml.sax.ContentHandler;

class FileExtractorTest {
  @TempDir Path uploads;

  private FileExtractor extractor(int maxChars, long maxBytes) {
    return new FileExtractor(
        new ContextProperties(
            true,
            true,
            15,
            Duration.ofMinutes(5),
            new ContextProperties.Files(
                uploads,
                List.of("https://files.example.com/"),
                DataSize.ofBytes(maxBytes),
                maxChars,
                10,
                Duration.ofSeconds(2),
                Duration.ofSeconds(30))));
  }

  private static RunRequested.FileRef inline(String name, byte[] bytes, String mediaType) {
    return new RunRequested.FileRef(
        name, null, null, Base64.getEncoder().encodeToString(bytes), mediaType);
  }

  @Test
  void pdfAndWordTextIsExtracted() throws Exception {
    FileExtractor files = extractor(100_000, 1_000_000);
    assertThat(
            files
                .extract(
                    inline(
                        "report.pdf",
                        TestDocuments.pdf("Revenue grew by 42 percent"),
                        "application/pdf"))
                .text())
        .contains("Revenue grew by 42 percent");
    assertThat(
            files
                .extract(
                    inline(
                        "plan.docx",
                        TestDocuments.docx("Phase one: pilot in Lyon", "Phase two"),
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"))
                .text())
        .contains("Phase one: pilot in Lyon")
        .contains("Phase two");
  }

  @Test
  void aDataUrlAndPlainTextAreInlineContentToo() throws Exception {
    FileExtractor files = extractor(100_000, 1_000_000);
    String dataUrl =
        "data:application/pdf;base64,"
            + Base64.getEncoder().encodeToString(TestDocuments.pdf("From a data URL"));
    assertThat(files.extract(new RunRequested.FileRef("a.pdf", null, null, dataUrl, null)).text())
        .contains("From a data URL");
    assertThat(
            files
                .extract(
                    new RunRequested.FileRef("notes.txt", null, null, "Plain notes here", null))
                .text())
        .isEqualTo("Plain notes here");
  }

  @Test
  void pathsAreReadInsideTheUploadsDirectoryOnly() throws Exception {
    Files.createDirectories(uploads.resolve("u"));
    Files.write(uploads.resolve("u/report.pdf"), TestDocuments.pdf("Inside the uploads"));
    Path outside = Files.createTempFile("outside", ".txt");
    Files.writeString(outside, "secret");
    FileExtractor files = extractor(100_000, 1_000_000);
    assertThat(
            files
                .extract(new RunRequested.FileRef("report.pdf", "u/report.pdf", null, null, null))
                .text())
        .contains("Inside the uploads");
    assertThatThrownBy(
            () ->
                files.extract(
                    new RunRequested.FileRef("x", "../" + outside.getFileName(), null, null, null)))
        .hasMessageContaining("outside the uploads directory");
    assertThatThrownBy(
            () ->
                files.extract(new RunRequested.FileRef("x", outside.toString(), null, null, null)))
        .hasMessageContaining("outside the uploads directory");
    Files.createSymbolicLink(uploads.resolve("link.txt"), outside);
    assertThatThrownBy(
            () -> files.extract(new RunRequested.FileRef("x", "link.txt", null, null, null)))
        .hasMessageContaining("outside the uploads directory");
    assertThatThrownBy(
            () -> files.extract(new RunRequested.FileRef("x", "nope.pdf", null, null, null)))
        .hasMessageContaining("no such file");
  }

  @Test
  void urlsOutsideTheAllowedPrefixesAreRefusedWithoutAFetch() {
    FileExtractor files = extractor(100_000, 1_000_000);
    for (String url :
        List.of(
            "https://files.example.com.evil.test/a.pdf",
            "http://169.254.169.254/latest",
            "file:///etc/passwd",
            "https://user@files.example.com/a.pdf",
            "https://files.example.com:8443/a.pdf",
            "http://files.example.com/a.pdf",
            "https://files.example.com/%2e%2e/admin",
            "https://files.example.comx/a")) {
      assertThatThrownBy(() -> files.extract(new RunRequested.FileRef("x", null, url, null, null)))
          .as(url)
          .hasMessageContaining("not allowed");
    }
  }

  @Test
  void anAllowedUrlIsFetchedWithoutFollowingRedirects() throws Exception {
    try (FakeProviderServer server = new FakeProviderServer()) {
      server.answer(
          body ->
              new FakeProviderServer.Response(
                  200,
                  List.of("Content-Type", "text/plain"),
                  "Fetched from the file service",
                  false));
      FileExtractor files =
          new FileExtractor(
              new ContextProperties(
                  true,
                  true,
                  15,
                  Duration.ofMinutes(5),
                  new ContextProperties.Files(
                      null,
                      List.of(server.base() + "/files/"),
                      DataSize.ofMegabytes(1),
                      1000,
                      10,
                      Duration.ofSeconds(2),
                      Duration.ofSeconds(30))));
      assertThat(
              files
                  .extract(
                      new RunRequested.FileRef(
                          "a.txt", null, server.base() + "/files/a.txt", null, null))
                  .text())
          .isEqualTo("Fetched from the file service");
      assertThatThrownBy(
              () ->
                  files.extract(
                      new RunRequested.FileRef(
                          "b", null, server.base() + "/files/../admin", null, null)))
          .hasMessageContaining("not allowed");
      server.answer(
          body ->
              new FakeProviderServer.Response(
                  302, List.of("Location", "http://169.254.169.254/"), "", false));
      assertThatThrownBy(
              () ->
                  files.extract(
                      new RunRequested.FileRef("c", null, server.base() + "/files/c", null, null)))
          .hasMessageContaining("answered 302");
    }
  }

  @Test
  void sizeAndTextAreBounded() throws Exception {
    assertThatThrownBy(
            () ->
                extractor(100_000, 100)
                    .extract(inline("big.pdf", TestDocuments.pdf("x"), "application/pdf")))
        .hasMessageContaining("larger than 100 bytes");
    FileExtractor.Extracted cut =
        extractor(10, 1_000_000)
            .extract(new RunRequested.FileRef("n.txt", null, null, "0123456789abcdef", null));
    assertThat(cut.text()).isEqualTo("0123456789");
    assertThat(cut.truncated()).isTrue();
  }

  @Test
  void aBrokenFileIsUnreadableNotAnException() {
    FileExtractor files = extractor(100_000, 1_000_000);
    assertThatThrownBy(
            () ->
                files.extract(
                    inline(
                        "bad.pdf", "%PDF-1.7\n1 0 obj << /Broken".getBytes(), "application/pdf")))
        .isInstanceOf(FileExtractor.Unreadable.class)
        .hasMessageContaining("bad.pdf");
    assertThatThrownBy(
            () ->
                files.extract(
                    new RunRequested.FileRef(
                        "b.pdf", null, null, "%%%not base64", "application/pdf")))
        .isInstanceOf(FileExtractor.Unreadable.class)
        .hasMessageContaining("not valid base64");
  }

  @Test
  void aDocumentThatKeepsTheParserBusyIsGivenUpAfterTheExtractTimeout() throws Exception {
    CountDownLatch interrupted = new CountDownLatch(1);
    // A parser caught in a document built to keep it busy: it waits until it is interrupted.
    Parser busy =
        new AbstractParser() {
          @Override
          public Set<MediaType> getSupportedTypes(ParseContext context) {
            return Set.of(MediaType.application("pdf"));
          }

          @Override
          public void parse(
              InputStream stream, ContentHandler handler, Metadata metadata, ParseContext context)
              throws TikaException {
            try {
              new CountDownLatch(1).await();
            } catch (InterruptedException e) {
              interrupted.countDown();
              throw new TikaException("interrupted", e);
            }
          }
        };
    FileExtractor files =
        new FileExtractor(
            new ContextProperties(
                true,
                true,
                15,
                Duration.ofMinutes(5),
                new ContextProperties.Files(
                    uploads,
                    List.of(),
                    DataSize.ofMegabytes(1),
                    1000,
                    10,
                    Duration.ofSeconds(2),
                    Duration.ofMillis(300))),
            new Tika(new DefaultDetector(), busy));
    long started = System.nanoTime();
    assertThatThrownBy(
            () ->
                files.extract(
                    inline("slow.pdf", TestDocuments.pdf("never read"), "application/pdf")))
        .isInstanceOf(FileExtractor.Unreadable.class)
        .hasMessage(
            "slow.pdf could not be read as a document within 300 ms (runstream.context.files.extract-timeout)");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    assertThat(interrupted.await(5, TimeUnit.SECONDS)).as("the parser was interrupted").isTrue();
  }
}
