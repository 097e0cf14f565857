package io.runstream.core.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.boot.jetty.servlet.JettyServletWebServerFactory;

/** Which threads the HTTP server runs on ({@code runstream.http.io-threads}). */
class JettyServerTest {
  private static ObjectProvider<AheadOfServlets> none() {
    return new StaticListableBeanFactory().getBeanProvider(AheadOfServlets.class);
  }

  @Test
  void shouldRunSelectorsOnPlatformThreadsAndRequestsOnVirtualOnesByDefault() {
    JettyServletWebServerFactory factory = new JettyServletWebServerFactory();
    new JettyServer(4096, "platform", none()).customize(factory);
    assertThat(factory.getThreadPool()).isInstanceOf(QueuedThreadPool.class);
    QueuedThreadPool pool = (QueuedThreadPool) factory.getThreadPool();
    assertThat(pool.getVirtualThreadsExecutor()).isInstanceOf(VirtualThreadPool.class);
  }

  @Test
  void shouldLeaveSpringBootsPoolWhenEveryThreadIsToBeVirtual() {
    JettyServletWebServerFactory factory = new JettyServletWebServerFactory();
    VirtualThreadPool boots = new VirtualThreadPool();
    factory.setThreadPool(boots);
    new JettyServer(4096, "virtual", none()).customize(factory);
    assertThat(factory.getThreadPool()).isSameAs(boots);
  }

  @Test
  void shouldNameTheSettingWhenItsValueIsUnknown() {
    assertThatThrownBy(() -> new JettyServer(4096, "green", none()))
        .hasMessage(
            "runstream.http.io-threads is 'green': set it to platform (the default) or virtual");
  }
}
