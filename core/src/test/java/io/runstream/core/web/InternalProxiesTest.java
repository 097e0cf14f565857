package io.runstream.core.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InternalProxiesTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.20",
        "169.254.10.10",
        "100.64.0.1",
        "100.127.255.255",
        "::1",
        "fe80::1",
        "fd12:3456::1",
        "::ffff:10.0.0.7"
      })
  void shouldBelieveForwardedHeadersFromInternalProxies(String address) throws Exception {
    assertThat(InternalProxies.isInternal(InetAddress.getByName(address))).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "8.8.8.8",
        "172.32.0.1",
        "172.15.255.255",
        "100.128.0.1",
        "192.169.0.1",
        "11.0.0.1",
        "2001:db8::1",
        "::ffff:8.8.8.8"
      })
  void shouldNotBelieveThemFromAnyoneElse(String address) throws Exception {
    assertThat(InternalProxies.isInternal(InetAddress.getByName(address))).isFalse();
  }
}
