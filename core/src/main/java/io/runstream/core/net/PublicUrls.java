package io.runstream.core.net;

import io.runstream.core.startup.StartupFailures;
import java.net.IDN;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.stereotype.Component;

/**
 * Whether a URL that Runstream calls, or hands to a model provider to fetch, leaves the
 * deployment's own networks: URLs of loopback, private (10/8, 172.16/12, 192.168/16, 100.64/10,
 * fc00::/7), link-local, unspecified, multicast or reserved addresses, of cloud metadata services
 * (169.254.169.254, fd00:ec2::254, {@code metadata.google.internal} ...) and names that are
 * internal by definition ({@code localhost}, {@code *.internal}, {@code *.local}, a name without a
 * dot) are refused unless {@code runstream.security.urls} allows them. Addresses are read the way
 * resolvers read them ({@code 0177.0.0.1}, {@code 2130706433}, {@code 0x7f.1}, {@code
 * [::ffff:127.0.0.1]}, full-width digits), so another spelling of a refused address is refused too.
 * Names can be looked up in DNS (within a deadline): one that resolves to such an address is
 * refused; one that cannot be looked up is not (whoever fetches it may not reach it either). A
 * look-up is no guarantee: a name can resolve differently by the time it is fetched.
 */
@Component
public final class PublicUrls {
  /** The setting that allows private addresses (not metadata ones). */
  public static final String ALLOW_PRIVATE = "runstream.security.urls.allow-private";

  /** The setting that lists allowed hosts, addresses and ranges. */
  public static final String ALLOWED_HOSTS = "runstream.security.urls.allowed-hosts";

  /**
   * Which non-public URLs may be used ({@code runstream.security.urls}): image URLs of requests,
   * action webhooks and MCP servers over HTTP. Model providers' {@code base-url}s are the
   * operator's own and are not checked.
   *
   * @param allowPrivate whether loopback, private, link-local and other non-public addresses are
   *     allowed (cloud metadata addresses still are not, unless listed in {@code allowed-hosts})
   * @param allowedHosts hosts that are allowed although not public: names ({@code flows.internal}),
   *     addresses ({@code 127.0.0.1}, {@code ::1}) or ranges ({@code 10.20.0.0/16}); a name is
   *     allowed as written, an address also when a name resolves to it
   */
  @ConfigurationProperties("runstream.security.urls")
  public record Settings(
      @DefaultValue("false") boolean allowPrivate, @DefaultValue List<String> allowedHosts) {
    public Settings {
      allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
    }
  }

  /** What kind of place a URL points at. */
  public enum Kind {
    PUBLIC("a public address"),
    LOOPBACK("a loopback address"),
    PRIVATE("a private address"),
    LINK_LOCAL("a link-local address"),
    UNSPECIFIED("an unspecified address"),
    MULTICAST("a multicast address"),
    RESERVED("a reserved address"),
    METADATA("a cloud metadata address"),
    INTERNAL_NAME("a host name internal to a network");

    private final String description;

    Kind(String description) {
      this.description = description;
    }

    /** "a loopback address", ... */
    public String description() {
      return description;
    }
  }

  /**
   * Why a URL may not be used.
   *
   * @param kind what it points at
   * @param host the host as written (normalised)
   * @param address the address it resolved to, when refused after a look-up; null for a literal or
   *     a name
   */
  public record Refusal(Kind kind, String host, String address) {
    /** For the URL's sender: what it points at, without the addresses a name resolved to. */
    public String reason() {
      if (kind == null) {
        return "must be an http or https URL with a valid host";
      }
      return address == null
          ? "points at " + kind.description() + " (" + host + "); only public URLs are accepted"
          : "names a host that resolves to "
              + kind.description()
              + "; only public URLs are accepted";
    }

    /**
     * For the operator (start-up): what it points at, addresses included, and the setting that
     * allows it.
     */
    public String explanation() {
      if (kind == null) {
        return "is not an http or https URL with a valid host";
      }
      String what =
          address == null
              ? "points at " + kind.description() + " (" + host + ")"
              : "names "
                  + host
                  + ", which resolves to "
                  + kind.description()
                  + " ("
                  + address
                  + ")";
      return what
          + "; allow it with "
          + ALLOWED_HOSTS
          + "="
          + (address == null ? host : address)
          + (kind == Kind.METADATA ? "" : " (or " + ALLOW_PRIVATE + "=true)");
    }
  }

  private static final Set<String> LOOPBACK_NAMES =
      Set.of("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback");
  private static final Set<String> METADATA_NAMES =
      Set.of(
          "metadata.google.internal",
          "metadata.goog",
          "metadata",
          "instance-data",
          "instance-data.ec2.internal",
          "metadata.azure.internal");
  private static final List<String> INTERNAL_SUFFIXES =
      List.of(
          ".localhost",
          ".internal",
          ".local",
          ".localdomain",
          ".home.arpa",
          ".lan",
          ".intranet",
          ".corp",
          ".home",
          ".private");

  /** Looks a name up in DNS. */
  interface Lookup {
    InetAddress[] addresses(String name) throws UnknownHostException;
  }

  private final boolean allowPrivate;
  private final Set<String> allowedNames = new HashSet<>();
  private final List<byte[][]> allowedRanges = new ArrayList<>();
  private final Lookup lookup;

  @Autowired
  public PublicUrls(Settings settings) {
    this(settings, InetAddress::getAllByName);
  }

  PublicUrls(Settings settings, Lookup lookup) {
    this.lookup = lookup;
    this.allowPrivate = settings.allowPrivate();
    for (String entry : settings.allowedHosts()) {
      String host = entry.strip().toLowerCase(Locale.ROOT);
      if (host.isEmpty()) {
        continue;
      }
      int slash = host.indexOf('/');
      String literal = slash < 0 ? host : host.substring(0, slash);
      byte[] address = literal(literal);
      if (address == null) {
        if (slash >= 0) {
          throw new StartupFailures.SettingRefused(
              ALLOWED_HOSTS
                  + ": '"
                  + entry
                  + "' is neither a host name, an address nor a CIDR range");
        }
        allowedNames.add(normalised(host));
        continue;
      }
      int bits = address.length * 8;
      if (slash >= 0) {
        try {
          bits = Integer.parseInt(host.substring(slash + 1));
        } catch (NumberFormatException e) {
          bits = -1;
        }
        if (bits < 0 || bits > address.length * 8) {
          throw new StartupFailures.SettingRefused(
              ALLOWED_HOSTS
                  + ": '"
                  + entry
                  + "' is neither a host name, an address nor a CIDR range");
        }
      }
      allowedRanges.add(new byte[][] {address, mask(address.length, bits)});
    }
  }

  /**
   * Whether anything non-public is allowed at all (for the start-up line of a development setup).
   */
  public boolean allowsPrivate() {
    return allowPrivate;
  }

  /**
   * Why {@code url} may not be used, from the URL alone (its scheme, a literal address, a name
   * internal by definition); empty when it may, as far as can be told without DNS.
   */
  public Optional<Refusal> refusal(String url) {
    String host = host(url);
    if (host == null) {
      return Optional.of(new Refusal(null, null, null));
    }
    byte[] address = literal(host);
    if (address == null && numeric(host)) {
      // Looks like an address to a resolver but is none (0x1ffffffff, 1.2.3.256): no one can tell
      // where it goes.
      return Optional.of(new Refusal(null, host, null));
    }
    Kind kind = address != null ? kind(address) : nameKind(host);
    if (kind == Kind.PUBLIC || allowed(kind, host, address)) {
      return Optional.empty();
    }
    return Optional.of(new Refusal(kind, host, null));
  }

  /**
   * Why each of {@code urls} may not be used, looking their names up in DNS, all within {@code
   * within}: the refused URLs with their reasons (a URL refused from itself alone is refused
   * without a look-up). A name that cannot be looked up in time is not refused.
   */
  public Map<String, Refusal> refusals(Collection<String> urls, Duration within) {
    Map<String, Refusal> refused = new LinkedHashMap<>();
    Map<String, List<String>> byName = new LinkedHashMap<>();
    for (String url : new LinkedHashSet<>(urls)) {
      Optional<Refusal> refusal = refusal(url);
      if (refusal.isPresent()) {
        refused.put(url, refusal.get());
        continue;
      }
      String host = host(url);
      if (literal(host) == null && !allowedNames.contains(host)) {
        byName.computeIfAbsent(host, h -> new ArrayList<>()).add(url);
      }
    }
    if (byName.isEmpty()) {
      return refused;
    }
    Map<String, CompletableFuture<InetAddress[]>> lookups = new LinkedHashMap<>();
    for (String name : byName.keySet()) {
      CompletableFuture<InetAddress[]> lookup = new CompletableFuture<>();
      Thread.ofVirtual()
          .name("url-lookup")
          .start(
              () -> {
                try {
                  lookup.complete(this.lookup.addresses(name));
                } catch (UnknownHostException | RuntimeException e) {
                  lookup.completeExceptionally(e);
                }
              });
      lookups.put(name, lookup);
    }
    long deadline = System.nanoTime() + within.toNanos();
    lookups.forEach(
        (name, lookup) -> {
          InetAddress[] addresses;
          try {
            addresses = lookup.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          } catch (Exception e) {
            return;
          }
          for (InetAddress resolved : addresses) {
            byte[] address = resolved.getAddress();
            Kind kind = kind(address);
            if (kind != Kind.PUBLIC && !allowed(kind, name, address)) {
              Refusal refusal = new Refusal(kind, name, resolved.getHostAddress());
              byName.get(name).forEach(url -> refused.put(url, refusal));
              return;
            }
          }
        });
    return refused;
  }

  /** As {@link #refusals} for one URL. */
  public Optional<Refusal> refusal(String url, Duration within) {
    return Optional.ofNullable(refusals(List.of(url), within).get(url));
  }

  private boolean allowed(Kind kind, String host, byte[] address) {
    if (allowedNames.contains(host)) {
      return true;
    }
    if (address != null) {
      for (byte[][] range : allowedRanges) {
        if (within(address, range[0], range[1])) {
          return true;
        }
      }
    }
    return allowPrivate && kind != Kind.METADATA;
  }

  /**
   * The URL's host, normalised (lower case, ASCII, no brackets, no trailing dot); null if it is no
   * http(s) URL.
   */
  static String host(String url) {
    if (url == null) {
      return null;
    }
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      return null;
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.isOpaque()) {
      return null;
    }
    String host = uri.getHost();
    if (host == null) {
      // A registry-based authority (an underscore in a name, say): the host is what is left of it.
      String authority = uri.getRawAuthority();
      if (authority == null) {
        return null;
      }
      host = authority.substring(authority.lastIndexOf('@') + 1);
      if (!host.startsWith("[") && host.lastIndexOf(':') >= 0) {
        host = host.substring(0, host.lastIndexOf(':'));
      }
    }
    if (host.contains("%") || host.isEmpty()) {
      return null;
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      return host.substring(1, host.length() - 1).toLowerCase(Locale.ROOT);
    }
    try {
      host = IDN.toASCII(host, IDN.ALLOW_UNASSIGNED);
    } catch (IllegalArgumentException e) {
      return null;
    }
    String normalised = normalised(host);
    return normalised.isEmpty() ? null : normalised;
  }

  private static String normalised(String host) {
    String lower = host.toLowerCase(Locale.ROOT);
    while (lower.endsWith(".")) {
      lower = lower.substring(0, lower.length() - 1);
    }
    return lower;
  }

  /**
   * What a host name is by definition: a loopback, metadata or internal name; PUBLIC for any other.
   */
  static Kind nameKind(String host) {
    if (LOOPBACK_NAMES.contains(host) || host.endsWith(".localhost")) {
      return Kind.LOOPBACK;
    }
    if (METADATA_NAMES.contains(host)) {
      return Kind.METADATA;
    }
    if (host.indexOf('.') < 0) {
      // A name without a domain is completed by the resolver's search domains: inside the network.
      return Kind.INTERNAL_NAME;
    }
    for (String suffix : INTERNAL_SUFFIXES) {
      if (host.endsWith(suffix)) {
        return Kind.INTERNAL_NAME;
      }
    }
    return Kind.PUBLIC;
  }

  /** Whether every dot-separated part of the host is a number, as resolvers read IPv4 addresses. */
  private static boolean numeric(String host) {
    if (host.contains(":")) {
      return true;
    }
    for (String part : host.split("\\.", -1)) {
      if (!part.matches("0[xX][0-9a-fA-F]*|[0-9]+")) {
        return false;
      }
    }
    return true;
  }

  /**
   * The address a literal host stands for, as {@code inet_aton} and IPv6 parsers read it (1 to 4
   * parts, each decimal, octal with a leading 0 or hexadecimal with 0x; IPv6 with or without
   * brackets); null if it is none.
   */
  static byte[] literal(String host) {
    String text =
        host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    if (text.contains(":")) {
      if (!text.matches("[0-9a-fA-F:.]+")) {
        return null;
      }
      try {
        // A literal IPv6 address (only hex digits, colons and dots): parsed, never looked up.
        byte[] address = InetAddress.getByName(text).getAddress();
        return address;
      } catch (UnknownHostException | RuntimeException e) {
        return null;
      }
    }
    if (!numeric(text)) {
      return null;
    }
    String[] parts = text.split("\\.", -1);
    if (parts.length > 4) {
      return null;
    }
    long[] values = new long[parts.length];
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      try {
        if (part.startsWith("0x") || part.startsWith("0X")) {
          values[i] =
              part.length() == 2
                  ? 0
                  : part.length() > 10 ? -1 : Long.parseLong(part.substring(2), 16);
        } else if (part.length() > 1 && part.startsWith("0")) {
          values[i] =
              part.length() > 12 || !part.matches("[0-7]+")
                  ? -1
                  : Long.parseLong(part.substring(1), 8);
        } else {
          values[i] = part.length() > 10 ? -1 : Long.parseLong(part);
        }
      } catch (NumberFormatException e) {
        return null;
      }
      if (values[i] < 0) {
        return null;
      }
    }
    long value = 0;
    for (int i = 0; i < parts.length - 1; i++) {
      if (values[i] > 255) {
        return null;
      }
      value |= values[i] << (8 * (3 - i));
    }
    long last = values[parts.length - 1];
    if (last >= 1L << (8 * (5 - parts.length))) {
      return null;
    }
    value |= last;
    return new byte[] {
      (byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value
    };
  }

  /** What an address is. */
  static Kind kind(byte[] address) {
    if (address.length == 4) {
      return kind4(address);
    }
    int first = address[0] & 0xff;
    int second = address[1] & 0xff;
    boolean zero96 = true;
    for (int i = 0; i < 12; i++) {
      zero96 &= address[i] == 0;
    }
    boolean mapped = true;
    for (int i = 0; i < 10; i++) {
      mapped &= address[i] == 0;
    }
    mapped &= (address[10] & 0xff) == 0xff && (address[11] & 0xff) == 0xff;
    if (zero96) {
      boolean zero = true;
      for (int i = 12; i < 15; i++) {
        zero &= address[i] == 0;
      }
      if (zero && address[15] == 0) {
        return Kind.UNSPECIFIED;
      }
      if (zero && address[15] == 1) {
        return Kind.LOOPBACK;
      }
      // IPv4-compatible (::a.b.c.d): the IPv4 address inside.
      return kind4(Arrays.copyOfRange(address, 12, 16));
    }
    if (mapped) {
      return kind4(Arrays.copyOfRange(address, 12, 16));
    }
    if (first == 0x00
        && second == 0x64
        && (address[2] & 0xff) == 0xff
        && (address[3] & 0xff) == 0x9b) {
      // 64:ff9b::/96 (NAT64) carries an IPv4 address; 64:ff9b:1::/48 is for local use.
      boolean wellKnown = true;
      for (int i = 4; i < 12; i++) {
        wellKnown &= address[i] == 0;
      }
      return wellKnown ? kind4(Arrays.copyOfRange(address, 12, 16)) : Kind.PRIVATE;
    }
    if (first == 0x20 && second == 0x02) {
      // 2002::/16 (6to4) carries an IPv4 address in its next 32 bits.
      return kind4(Arrays.copyOfRange(address, 2, 6));
    }
    if (first == 0xfd
        && second == 0x00
        && (address[2] & 0xff) == 0x0e
        && (address[3] & 0xff) == 0xc2) {
      boolean imds = true;
      for (int i = 4; i < 14; i++) {
        imds &= address[i] == 0;
      }
      if (imds && (address[14] & 0xff) == 0x02 && (address[15] & 0xff) == 0x54) {
        return Kind.METADATA; // fd00:ec2::254
      }
    }
    if ((first & 0xfe) == 0xfc) {
      return Kind.PRIVATE; // fc00::/7 unique local
    }
    if (first == 0xfe && (second & 0xc0) == 0x80) {
      return Kind.LINK_LOCAL; // fe80::/10
    }
    if (first == 0xfe && (second & 0xc0) == 0xc0) {
      return Kind.PRIVATE; // fec0::/10 site-local (deprecated)
    }
    if (first == 0xff) {
      return Kind.MULTICAST;
    }
    if (first == 0x01 && second == 0x00) {
      boolean discard = true;
      for (int i = 2; i < 8; i++) {
        discard &= address[i] == 0;
      }
      if (discard) {
        return Kind.RESERVED; // 100::/64 discard-only
      }
    }
    return Kind.PUBLIC;
  }

  private static Kind kind4(byte[] a) {
    int b0 = a[0] & 0xff;
    int b1 = a[1] & 0xff;
    int b2 = a[2] & 0xff;
    int b3 = a[3] & 0xff;
    if (b0 == 169 && b1 == 254 && (b2 == 169 && b3 == 254 || b2 == 170 && b3 == 2)) {
      return Kind.METADATA; // every cloud's instance metadata; ECS task metadata
    }
    if (b0 == 100 && b1 == 100 && b2 == 100 && b3 == 200) {
      return Kind.METADATA; // Alibaba Cloud
    }
    if (b0 == 0) {
      return Kind.UNSPECIFIED; // 0/8: "this host" (0.0.0.0 reaches the local machine)
    }
    if (b0 == 127) {
      return Kind.LOOPBACK;
    }
    if (b0 == 10
        || b0 == 172 && (b1 & 0xf0) == 16
        || b0 == 192 && b1 == 168
        || b0 == 100 && (b1 & 0xc0) == 64) {
      return Kind.PRIVATE; // RFC 1918 and 100.64/10 (shared address space, CGNAT)
    }
    if (b0 == 169 && b1 == 254) {
      return Kind.LINK_LOCAL;
    }
    if (b0 >= 224 && b0 <= 239) {
      return Kind.MULTICAST;
    }
    if (b0 >= 240 || b0 == 192 && b1 == 0 && b2 == 0 || b0 == 198 && (b1 & 0xfe) == 18) {
      return Kind.RESERVED; // 240/4 and broadcast, 192.0.0/24 (protocol assignments), 198.18/15
      // (benchmarking)
    }
    return Kind.PUBLIC;
  }

  private static byte[] mask(int length, int bits) {
    byte[] mask = new byte[length];
    for (int i = 0; i < length; i++) {
      int remaining = Math.max(0, Math.min(8, bits - 8 * i));
      mask[i] = (byte) (0xff << (8 - remaining));
    }
    return mask;
  }

  private static boolean within(byte[] address, byte[] network, byte[] mask) {
    byte[] candidate = address;
    if (address.length != network.length) {
      // An IPv4 range matches an IPv4-mapped IPv6 address and the other way round.
      candidate = address.length == 16 ? mappedV4(address) : null;
      if (candidate == null || network.length != 4) {
        return false;
      }
    }
    for (int i = 0; i < network.length; i++) {
      if ((candidate[i] & mask[i]) != (network[i] & mask[i])) {
        return false;
      }
    }
    return true;
  }

  private static byte[] mappedV4(byte[] address) {
    for (int i = 0; i < 10; i++) {
      if (address[i] != 0) {
        return null;
      }
    }
    return (address[10] & 0xff) == 0xff && (address[11] & 0xff) == 0xff
        ? Arrays.copyOfRange(address, 12, 16)
        : null;
  }
}
