package io.runstream.fanout.sse;

import org.apache.coyote.http11.Http11NioProtocol;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * Smaller per-connection buffers (issue #12 goal 3): an SSE connection is mostly idle and writes
 * small events, and Tomcat keeps a request's buffers for as long as its connection serves it, so
 * every one of them is paid per held stream. Measured with {@code bin/runstream bench idle}
 * (docs/benchmarks.md).
 *
 * <ul>
 *   <li>the socket's application read and write buffers: 2 and 4 KiB instead of 8 each;
 *   <li>the response body buffer: 2 KiB instead of 8 (Tomcat allocates it twice, as bytes and as
 *       chars, so this is 18 KiB less per connection); a body larger than it goes out chunked
 *       instead of with a Content-Length, which every HTTP/1.1 client reads;
 *   <li>the response header buffer: 4 KiB instead of 8 (this platform's headers are under 1 KiB),
 *       set by {@code server.tomcat.max-http-response-header-size} in the defaults.
 * </ul>
 */
@Component
public class ConnectionFootprint
    implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {
  /**
   * Application read buffer per connection (requests here are small: a GET or a JSON body read in
   * pieces).
   */
  static final int READ_BUFFER = 2048;

  /**
   * Application write buffer per connection (events are hundreds of bytes; batches are flushed
   * together).
   */
  static final int WRITE_BUFFER = 4096;

  /** The response body buffer (Tomcat's default is 8 KiB, as bytes and again as chars). */
  static final int RESPONSE_BUFFER = 2048;

  @Override
  public void customize(TomcatServletWebServerFactory factory) {
    factory.setProtocol(SmallBuffers.class.getName());
    factory.addConnectorCustomizers(
        connector -> {
          connector.setProperty("socket.appReadBufSize", Integer.toString(READ_BUFFER));
          connector.setProperty("socket.appWriteBufSize", Integer.toString(WRITE_BUFFER));
        });
  }

  /**
   * Tomcat's HTTP/1.1 NIO protocol with a smaller response body buffer: the connector sizes each
   * response's buffer by its protocol's desired size, which only AJP sets otherwise.
   */
  public static class SmallBuffers extends Http11NioProtocol {
    @Override
    public int getDesiredBufferSize() {
      return RESPONSE_BUFFER;
    }
  }
}
