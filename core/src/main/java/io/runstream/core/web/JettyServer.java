package io.runstream.core.web;

import io.runstream.core.startup.StartupFailures;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ForwardedRequestCustomizer;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;

/**
 * Runstream's settings for the embedded Jetty (ADR 0018), applied after Spring Boot's own:
 *
 * <ul>
 *   <li>an accept queue of {@code runstream.http.accept-queue-size} (default 4,096, the usual
 *       {@code net.core.somaxconn}): a node that dies sends all its readers to the others at once,
 *       and with Jetty's default (the JVM's 50) most of a thousand reconnecting clients would wait
 *       a second for their SYN to be sent again;
 *   <li>the container's own errors (a request Jetty rejects before any servlet runs: a bad request
 *       line, an encoded NUL in the path, headers too large) answered as problem+json ({@link
 *       ProblemErrorHandler}) instead of an HTML page;
 *   <li>{@code X-Forwarded-*} believed only from internal proxies ({@link InternalProxies}), as
 *       Tomcat's {@code RemoteIpValve} did: Jetty's own {@code ForwardedRequestCustomizer} believes
 *       any client;
 *   <li>{@code runstream.http.io-threads=platform} (the default): the selectors and acceptors on
 *       platform threads and each request on a virtual thread (Jetty's recommended set-up); {@code
 *       virtual}: every Jetty thread virtual, as Spring Boot sets it up with virtual threads on;
 *   <li>the {@link AheadOfServlets} beans asked before the servlet context (ADR 0024).
 * </ul>
 */
@Component
public class JettyServer
    implements WebServerFactoryCustomizer<JettyServletWebServerFactory>, Ordered {
  private final int acceptQueueSize;
  private final String ioThreads;

  private final ObjectProvider<AheadOfServlets> ahead;

  public JettyServer(
      @Value("${runstream.http.accept-queue-size:4096}") int acceptQueueSize,
      @Value("${runstream.http.io-threads:platform}") String ioThreads,
      ObjectProvider<AheadOfServlets> ahead) {
    this.ahead = ahead;
    if (!PLATFORM.equals(ioThreads) && !VIRTUAL.equals(ioThreads)) {
      throw new StartupFailures.SettingRefused(
          "runstream.http.io-threads is '"
              + ioThreads
              + "': set it to platform (the default) or virtual");
    }
    this.acceptQueueSize = acceptQueueSize;
    this.ioThreads = ioThreads;
  }

  private static final String PLATFORM = "platform";
  private static final String VIRTUAL = "virtual";

  @Override
  public void customize(JettyServletWebServerFactory factory) {
    boolean forwarded = factory.isUseForwardHeaders();
    // Spring Boot's forward-headers support would add Jetty's customizer, which believes anyone.
    factory.setUseForwardHeaders(false);
    if (PLATFORM.equals(ioThreads)) {
      // Jetty's own advice for virtual threads: its selectors and acceptors on a few platform
      // threads, each request's handling on a virtual thread. Spring Boot's VirtualThreadPool runs
      // the selectors on virtual threads too, and their wake-ups then compete with a thousand
      // requests for the same carriers (a storm of 1,000 reconnecting readers: p99 279-490 ms
      // that way, 155-328 ms this way; docs/benchmarks.md).
      QueuedThreadPool io = new QueuedThreadPool();
      io.setName("jetty-io");
      VirtualThreadPool requests = new VirtualThreadPool();
      requests.setName("jetty-request");
      io.setVirtualThreadsExecutor(requests);
      factory.setThreadPool(io);
    }
    factory.addServerCustomizers(server -> customize(server, forwarded));
  }

  private void customize(Server server, boolean forwarded) {
    server.setErrorHandler(new ProblemErrorHandler());
    server.setHandler(new Ahead(server.getHandler(), ahead));
    for (Connector connector : server.getConnectors()) {
      if (connector instanceof ServerConnector serverConnector) {
        serverConnector.setAcceptQueueSize(acceptQueueSize);
      }
      for (var factory : connector.getConnectionFactories()) {
        if (factory instanceof HttpConfiguration.ConnectionFactory http && forwarded) {
          HttpConfiguration configuration = http.getHttpConfiguration();
          List<HttpConfiguration.Customizer> customizers =
              new ArrayList<>(configuration.getCustomizers());
          customizers.removeIf(ForwardedRequestCustomizer.class::isInstance);
          customizers.add(new InternalProxies(new ForwardedRequestCustomizer()));
          configuration.setCustomizers(customizers);
        }
      }
    }
  }

  /**
   * Asks the {@link AheadOfServlets} beans before the servlet context; looked up at the first
   * request, since the server is made before most beans are.
   */
  static final class Ahead extends Handler.Wrapper {
    private final ObjectProvider<AheadOfServlets> provider;
    private volatile List<AheadOfServlets> handlers;

    Ahead(Handler servlets, ObjectProvider<AheadOfServlets> provider) {
      super(servlets);
      this.provider = provider;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      List<AheadOfServlets> first = handlers;
      if (first == null) {
        first = provider.orderedStream().toList();
        handlers = first;
      }
      for (AheadOfServlets handler : first) {
        if (handler.handle(request, response, callback)) {
          return true;
        }
      }
      return super.handle(request, response, callback);
    }
  }

  @Override
  public int getOrder() {
    // After Spring Boot's own customizer, which sets the forward-headers flag from the properties.
    return Ordered.LOWEST_PRECEDENCE;
  }
}
