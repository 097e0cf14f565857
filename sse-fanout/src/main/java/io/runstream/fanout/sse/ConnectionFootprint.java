package io.runstream.fanout.sse;

import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.stereotype.Component;

/**
 * Smaller per-connection socket buffers: an SSE connection is mostly idle and writes small events, so Tomcat's 8 KiB
 * application read and write buffers per connection are mostly waste when a node holds tens of thousands of streams.
 */
@Component
public class ConnectionFootprint implements WebServerFactoryCustomizer<TomcatServletWebServerFactory> {
  /** Application read buffer per connection (requests here are small: a GET or a JSON body read in pieces). */
  static final int READ_BUFFER = 2048;

  /** Application write buffer per connection (events are hundreds of bytes; batches are flushed together). */
  static final int WRITE_BUFFER = 4096;

  @Override
  public void customize(TomcatServletWebServerFactory factory) {
    factory.addConnectorCustomizers(
        connector -> {
          connector.setProperty("socket.appReadBufSize", Integer.toString(READ_BUFFER));
          connector.setProperty("socket.appWriteBufSize", Integer.toString(WRITE_BUFFER));
        });
  }
}
