package io.runstream.core.web;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;

/**
 * Applies a request's {@code X-Forwarded-*} / {@code Forwarded} headers (scheme, host, client
 * address) only when the connection comes from an internal address: loopback, the private IPv4
 * ranges (10/8, 172.16/12, 192.168/16), link-local (169.254/16, fe80::/10), carrier-grade NAT
 * (100.64/10) and IPv6 unique-local (fc00::/7), the ranges Tomcat's {@code RemoteIpValve} trusted
 * by default. A client on the internet that sends them is read as itself.
 */
public final class InternalProxies implements HttpConfiguration.Customizer {
  private record Range(byte[] prefix, int bits) {
    boolean contains(byte[] address) {
      if (address.length != prefix.length) {
        return false;
      }
      int whole = bits / 8;
      for (int i = 0; i < whole; i++) {
        if (address[i] != prefix[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xff << (8 - rest)) & 0xff;
      return (address[whole] & mask) == (prefix[whole] & mask);
    }
  }

  private static final List<Range> INTERNAL =
      List.of(
          range("10.0.0.0", 8),
          range("172.16.0.0", 12),
          range("192.168.0.0", 16),
          range("169.254.0.0", 16),
          range("100.64.0.0", 10),
          range("127.0.0.0", 8),
          range("::1", 128),
          range("fe80::", 10),
          range("fc00::", 7));

  private final HttpConfiguration.Customizer delegate;

  public InternalProxies(HttpConfiguration.Customizer delegate) {
    this.delegate = delegate;
  }

  @Override
  public Request customize(Request request, HttpFields.Mutable responseHeaders) {
    SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
    if (remote instanceof InetSocketAddress inet && isInternal(inet.getAddress())) {
      return delegate.customize(request, responseHeaders);
    }
    return request;
  }

  /** Whether {@code address} is in one of the internal ranges (an IPv4-mapped IPv6 one too). */
  public static boolean isInternal(InetAddress address) {
    if (address == null) {
      return false;
    }
    byte[] bytes = address.getAddress();
    if (bytes.length == 16 && isIpv4Mapped(bytes)) {
      bytes = Arrays.copyOfRange(bytes, 12, 16);
    }
    for (Range range : INTERNAL) {
      if (range.contains(bytes)) {
        return true;
      }
    }
    return false;
  }

  private static boolean isIpv4Mapped(byte[] bytes) {
    for (int i = 0; i < 10; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
  }

  private static Range range(String literal, int bits) {
    try {
      return new Range(InetAddress.getByName(literal).getAddress(), bits);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(literal, e);
    }
  }
}
