package io.runstream.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.runstream.schemas.Topic;
import io.runstream.schemas.Topics;
import java.io.InputStream;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.context.properties.ConfigurationPropertiesBean;
import org.springframework.context.ApplicationContext;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;

/**
 * Issue #13 item 5 (files part): the deployment files for a real cluster, which no Docker engine or
 * Kubernetes runs here, are checked instead: they parse; every environment variable a Runstream
 * container gets is a property the services know (Spring's environment-variable form: upper case,
 * dots to underscores, dashes dropped), so a typo cannot silently fall back to a default; the
 * chosen main classes exist; probes point at health groups that answer; Kafka has replication
 * factor 3 and min.insync.replicas 2 for every Runstream topic.
 */
class DeploymentFilesIT extends PlatformIT {
  private static final Path DEPLOY = Path.of("..", "infra", "deploy");

  /** Read by the JVM or Spring Boot's launcher, not Spring properties. */
  private static final Set<String> NOT_PROPERTIES = Set.of("JAVA_TOOL_OPTIONS", "LOADER_MAIN");

  @Autowired ApplicationContext context;

  /**
   * The Dockerfile's target of each service's main class (one image per service, issue #29 item 3).
   */
  private static final Map<String, String> SERVICES =
      Map.of(
          "io.runstream.ingest.IngestApplication",
          "ingest",
          "io.runstream.worker.WorkerApplication",
          "worker",
          "io.runstream.fanout.FanoutApplication",
          "fanout",
          "io.runstream.sink.SinkApplication",
          "sink");

  @Test
  void shouldGiveRunstreamContainersOnlyVariablesTheServicesKnow() throws Exception {
    Set<String> known = knownEnvironmentNames();
    assertThat(known)
        .contains(
            "SPRING_DATASOURCE_URL",
            "SERVER_PORT",
            "RUNSTREAM_KAFKA_BOOTSTRAPSERVERS",
            "RUNSTREAM_FANOUT_MAXOPENINGSTREAMS");
    Map<String, Map<String, String>> containers = new LinkedHashMap<>();
    Map<String, String> images = new LinkedHashMap<>();
    // compose: every service built from the Runstream image
    Map<String, Object> compose = load(DEPLOY.resolve("compose/compose.yaml")).getFirst();
    map(compose.get("services"))
        .forEach(
            (name, raw) -> {
              Map<String, Object> service = map(raw);
              if (String.valueOf(service.get("image")).startsWith("runstream")) {
                Map<String, String> env = new LinkedHashMap<>();
                map(service.get("environment"))
                    .forEach((key, value) -> env.put(key, String.valueOf(value)));
                containers.put("compose " + name, env);
                images.put("compose " + name, String.valueOf(service.get("image")));
                // built from its own target of the Dockerfile
                assertThat(map(service.get("build")).get("target"))
                    .as("compose %s: build target", name)
                    .isEqualTo(SERVICES.get(env.get("LOADER_MAIN")));
              }
            });
    // Kubernetes: every container of the Runstream image
    for (Map<String, Object> document : load(DEPLOY.resolve("kubernetes/runstream.yaml"))) {
      if ("Deployment".equals(document.get("kind"))) {
        Map<String, Object> pod = map(map(map(document.get("spec")).get("template")).get("spec"));
        for (Object raw : list(pod.get("containers"))) {
          Map<String, Object> container = map(raw);
          if (String.valueOf(container.get("image")).startsWith("runstream")) {
            Map<String, String> env = new LinkedHashMap<>();
            for (Object entry : list(container.get("env"))) {
              env.put(
                  String.valueOf(map(entry).get("name")), String.valueOf(map(entry).get("value")));
            }
            containers.put("kubernetes " + map(document.get("metadata")).get("name"), env);
            images.put(
                "kubernetes " + map(document.get("metadata")).get("name"),
                String.valueOf(container.get("image")));
            // the probes ask health groups that exist and answer, on the management port (issue
            // #23: the
            // operational endpoints are not on the public port), where Prometheus scrapes too
            Map<String, Object> ports = new LinkedHashMap<>();
            for (Object port : list(container.get("ports"))) {
              ports.put(String.valueOf(map(port).get("name")), map(port).get("containerPort"));
            }
            for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
              Map<String, Object> get = map(map(container.get(probe)).get("httpGet"));
              String path = String.valueOf(get.get("path"));
              assertThat(api().get(path, null).status()).as("%s %s", probe, path).isEqualTo(200);
              assertThat(get.get("port")).as("%s port", probe).isEqualTo("management");
            }
            String managementPort = String.valueOf(ports.get("management"));
            assertThat(managementPort).isNotEqualTo(String.valueOf(ports.get("http")));
            assertThat(
                    String.valueOf(
                        map(map(map(map(document.get("spec")).get("template")).get("metadata"))
                                .get("annotations"))
                            .get("prometheus.io/port")))
                .isEqualTo(managementPort);
            assertThat(env(container).get("MANAGEMENT_SERVER_PORT")).isEqualTo(managementPort);
            assertThat(map(container.get("resources")).get("requests"))
                .as("resource requests")
                .isNotNull();
          }
        }
      }
    }
    assertThat(containers).hasSize(8);
    // No secret ships in these files (issue #23): no Secret with values, no placeholder or default
    // for a password.
    for (String file :
        List.of(
            "kubernetes/runstream.yaml",
            "kubernetes/kafka-strimzi.yaml",
            "kubernetes/topics-job.yaml")) {
      for (Map<String, Object> document : load(DEPLOY.resolve(file))) {
        if ("Secret".equals(document.get("kind"))) {
          assertThat(document)
              .as(file + " ships a Secret's values")
              .doesNotContainKeys("data", "stringData");
        }
      }
    }
    String composeText = Files.readString(DEPLOY.resolve("compose/compose.yaml"));
    assertThat(composeText).doesNotContain("change-me").contains("${RUNSTREAM_JWT_SECRET:?");
    List<String> unknown = new ArrayList<>();
    containers.forEach(
        (container, env) -> {
          assertThat(env)
              .as(container)
              .containsKeys(
                  "LOADER_MAIN",
                  "RUNSTREAM_KAFKA_BOOTSTRAPSERVERS",
                  "SPRING_DATASOURCE_URL",
                  "RUNSTREAM_SECURITY_JWTSECRET");
          env.forEach(
              (name, value) -> {
                if (!NOT_PROPERTIES.contains(name) && !known.contains(name)) {
                  unknown.add(container + ": " + name);
                }
              });
          String image = images.get(container);
          assertThat(image).as("%s: its image", container).isNotNull();
          assertThat(image)
              .as("%s: the image of its service (infra/deploy/Dockerfile's target)", container)
              .isEqualTo("runstream-" + SERVICES.get(env.get("LOADER_MAIN")) + ":0.1.0");
          try {
            Class<?> main = Class.forName(env.get("LOADER_MAIN"));
            assertThat(main.getMethod("main", String[].class)).isNotNull();
          } catch (ReflectiveOperationException e) {
            throw new AssertionError(
                container + ": LOADER_MAIN " + env.get("LOADER_MAIN") + " is not a main class", e);
          }
        });
    assertThat(unknown).as("variables no Runstream service reads").isEmpty();
    // a misspelt name is caught (the check can fail)
    assertThat(known)
        .doesNotContain(
            "RUNSTREAM_KAFKA_BOOTSTRAP_SERVERS", "RUNSTREAM_FANOUT_MAX_OPENING_STREAMS");
  }

  /**
   * Issue #29 item 4: every Runstream pod runs as a non-root user with a read-only root file
   * system, no privilege escalation and no capabilities, with a writable /tmp; every Deployment has
   * a PodDisruptionBudget that selects its pods and lets one go at a time; a PodMonitor scrapes
   * every Runstream pod's management port; the Ingress sends every stream path to the fan-out with
   * buffering off and timeouts far above the heartbeat.
   */
  @Test
  void shouldHardenEveryPodBudgetItsDisruptionsMonitorItAndRouteStreamsUnbuffered()
      throws Exception {
    List<Map<String, Object>> documents = load(DEPLOY.resolve("kubernetes/runstream.yaml"));
    List<Map<String, Object>> budgets =
        documents.stream().filter(d -> "PodDisruptionBudget".equals(d.get("kind"))).toList();
    int deployments = 0;
    for (Map<String, Object> document : documents) {
      if (!"Deployment".equals(document.get("kind"))) {
        continue;
      }
      deployments++;
      String name = String.valueOf(map(document.get("metadata")).get("name"));
      Map<String, Object> template = map(map(document.get("spec")).get("template"));
      Map<String, Object> labels = map(map(template.get("metadata")).get("labels"));
      Map<String, Object> pod = map(template.get("spec"));
      Map<String, Object> podSecurity = map(pod.get("securityContext"));
      assertThat(podSecurity).as(name).containsEntry("runAsNonRoot", true);
      assertThat((Integer) podSecurity.get("runAsUser")).as(name).isPositive();
      assertThat(map(podSecurity.get("seccompProfile")))
          .as(name)
          .containsEntry("type", "RuntimeDefault");
      Set<String> emptyDirs = new HashSet<>();
      for (Object volume : list(pod.get("volumes"))) {
        if (map(volume).containsKey("emptyDir")) {
          emptyDirs.add(String.valueOf(map(volume).get("name")));
        }
      }
      for (Object raw : list(pod.get("containers"))) {
        Map<String, Object> container = map(raw);
        Map<String, Object> security = map(container.get("securityContext"));
        assertThat(security)
            .as(name)
            .containsEntry("allowPrivilegeEscalation", false)
            .containsEntry("readOnlyRootFilesystem", true);
        assertThat(list(map(security.get("capabilities")).get("drop")))
            .as(name)
            .containsExactly("ALL");
        assertThat(list(container.get("volumeMounts")))
            .as("%s: a writable /tmp", name)
            .anySatisfy(
                mount -> assertThat(emptyDirs).contains(String.valueOf(map(mount).get("name"))));
        assertThat(list(container.get("volumeMounts")))
            .anyMatch(mount -> "/tmp".equals(map(mount).get("mountPath")));
      }
      assertThat(budgets)
          .as("%s: a PodDisruptionBudget that selects its pods", name)
          .anySatisfy(
              budget -> {
                Map<String, Object> spec = map(budget.get("spec"));
                assertThat(labels)
                    .containsAllEntriesOf(map(map(spec.get("selector")).get("matchLabels")));
                assertThat(spec.get("maxUnavailable")).isEqualTo(1);
              });
      Map<String, Object> monitor =
          documents.stream()
              .filter(d -> "PodMonitor".equals(d.get("kind")))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no PodMonitor"));
      assertThat(labels)
          .as("%s is scraped", name)
          .containsAllEntriesOf(
              map(map(map(monitor.get("spec")).get("selector")).get("matchLabels")));
      assertThat(list(map(monitor.get("spec")).get("podMetricsEndpoints")))
          .anySatisfy(
              endpoint ->
                  assertThat(map(endpoint))
                      .containsEntry("port", "management")
                      .containsEntry("path", "/actuator/prometheus"));
    }
    assertThat(deployments).isEqualTo(4);
    assertThat(budgets).hasSize(4);

    Map<String, Object> ingress = load(DEPLOY.resolve("kubernetes/ingress-sse.yaml")).getFirst();
    Map<String, Object> annotations = map(map(ingress.get("metadata")).get("annotations"));
    assertThat(annotations).containsEntry("nginx.ingress.kubernetes.io/proxy-buffering", "off");
    for (String timeout : List.of("proxy-read-timeout", "proxy-send-timeout")) {
      assertThat(
              Integer.parseInt(
                  String.valueOf(annotations.get("nginx.ingress.kubernetes.io/" + timeout))))
          .as(timeout + " far above the 15 s heartbeat")
          .isGreaterThanOrEqualTo(300);
    }
    List<Map<String, Object>> paths = new ArrayList<>();
    for (Object rule : list(map(ingress.get("spec")).get("rules"))) {
      for (Object path : list(map(map(rule).get("http")).get("paths"))) {
        paths.add(map(path));
      }
    }
    Function<String, String> serviceOf =
        request -> {
          for (Map<String, Object> path : paths) {
            String pattern = String.valueOf(path.get("path"));
            boolean matches =
                "Prefix".equals(path.get("pathType"))
                    ? request.startsWith(pattern)
                    : Pattern.compile(pattern).matcher(request).lookingAt();
            if (matches) {
              return String.valueOf(map(map(map(path.get("backend")).get("service"))).get("name"));
            }
          }
          return null;
        };
    UUID id = UUID.randomUUID();
    for (String stream :
        List.of(
            "/api/v1/sessions/" + id + "/stream",
            "/api/v1/runs/" + id + "/stream",
            "/ai/stream/" + id,
            "/api/v1/chat/stream",
            "/api/v1/chat/generate",
            "/api/genie/stream-chat",
            "/api/v1/ag-ui",
            "/v1/responses",
            "/v1/responses/resp_" + id,
            "/v1/responses/resp_" + id + "/cancel")) {
      assertThat(serviceOf.apply(stream)).as(stream).isEqualTo("runstream-fanout");
    }
    for (String api :
        List.of(
            "/api/v1/runs",
            "/api/v1/sessions",
            "/api/v1/runs/" + id,
            "/api/v1/sessions/" + id + "/messages",
            "/api/v1/usage")) {
      assertThat(serviceOf.apply(api)).as(api).isEqualTo("runstream-ingest");
    }
  }

  private static Map<String, String> env(Map<String, Object> container) {
    Map<String, String> env = new LinkedHashMap<>();
    for (Object entry : list(container.get("env"))) {
      env.put(String.valueOf(map(entry).get("name")), String.valueOf(map(entry).get("value")));
    }
    return env;
  }

  @Test
  void shouldReplicateEveryTopicThreeTimesWithTwoInSync() throws Exception {
    Set<String> topics = new HashSet<>();
    for (Topic<?, ?> topic : Topics.all()) {
      topics.add(topic.name());
    }
    Set<String> strimzi = new HashSet<>();
    for (Map<String, Object> document : load(DEPLOY.resolve("kubernetes/kafka-strimzi.yaml"))) {
      Map<String, Object> spec = map(document.get("spec"));
      // Strimzi 1.x (Kafka 4.2) serves kafka.strimzi.io/v1 only
      assertThat(document.get("apiVersion"))
          .as("%s apiVersion", document.get("kind"))
          .isEqualTo("kafka.strimzi.io/v1");
      switch (String.valueOf(document.get("kind"))) {
        case "Kafka" -> {
          Map<String, Object> config = map(map(spec.get("kafka")).get("config"));
          assertThat(config)
              .containsEntry("default.replication.factor", 3)
              .containsEntry("min.insync.replicas", 2);
        }
        case "KafkaNodePool" -> assertThat(spec.get("replicas")).isEqualTo(3);
        case "KafkaTopic" -> {
          strimzi.add(String.valueOf(map(document.get("metadata")).get("name")));
          assertThat(spec.get("replicas")).isEqualTo(3);
          assertThat(map(spec.get("config"))).containsEntry("min.insync.replicas", 2);
          String name = String.valueOf(map(document.get("metadata")).get("name"));
          Topics.all().stream()
              .filter(t -> t.name().equals(name))
              .findFirst()
              .ifPresent(
                  t ->
                      assertThat(map(spec.get("config")))
                          .as(name)
                          .containsAllEntriesOf(Topics.configsOf(t)));
        }
        default -> throw new AssertionError("unexpected kind " + document.get("kind"));
      }
    }
    assertThat(strimzi).isEqualTo(topics);
    // the topic job (clusters without Strimzi) and compose's topic step create the same topics the
    // same way
    for (String file : List.of("kubernetes/topics-job.yaml", "compose/compose.yaml")) {
      String text = Files.readString(DEPLOY.resolve(file));
      for (String topic : topics) {
        assertThat(text)
            .as(file)
            .containsAnyOf(topic.substring("runstream.".length()) + ":", "--topic " + topic + " ");
      }
      assertThat(text)
          .as(file)
          .contains("--replication-factor 3")
          .contains("min.insync.replicas=2")
          .contains("--topic runstream.usage-rollups --partitions 6 --replication-factor 3")
          .contains("cleanup.policy=compact");
    }
    Map<String, Object> kafka =
        map(
            map(load(DEPLOY.resolve("compose/compose.yaml")).getFirst().get("services"))
                .get("kafka-1"));
    assertThat(map(kafka.get("environment")))
        .containsEntry("KAFKA_DEFAULT_REPLICATION_FACTOR", 3)
        .containsEntry("KAFKA_MIN_INSYNC_REPLICAS", 2);
  }

  /** Every property the services bind, in the environment-variable form Spring Boot reads. */
  private Set<String> knownEnvironmentNames() throws Exception {
    Set<String> names = new HashSet<>();
    // Spring Boot's own properties, from the metadata its jars carry
    for (URL url :
        Collections.list(
            getClass()
                .getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"))) {
      try (InputStream in = url.openStream()) {
        for (JsonNode property : TestApi.JSON.readTree(in).path("properties")) {
          names.add(environmentName(property.path("name").asString()));
        }
      }
    }
    // Runstream's, from its @ConfigurationProperties records
    for (ConfigurationPropertiesBean bean : ConfigurationPropertiesBean.getAll(context).values()) {
      String prefix =
          bean.getAnnotation().prefix().isEmpty()
              ? bean.getAnnotation().value()
              : bean.getAnnotation().prefix();
      addRecord(names, prefix, AopUtils.getTargetClass(bean.getInstance()), 0);
    }
    return names;
  }

  private static void addRecord(Set<String> names, String prefix, Class<?> type, int depth) {
    if (!type.isRecord() || depth > 3) {
      return;
    }
    for (RecordComponent component : type.getRecordComponents()) {
      String name = prefix + "." + kebab(component.getName());
      names.add(environmentName(name));
      Class<?> nested = component.getType();
      if (nested.isRecord()) {
        addRecord(names, name, nested, depth + 1);
      } else if (Collection.class.isAssignableFrom(nested) || Map.class.isAssignableFrom(nested)) {
        Type generic = component.getGenericType();
        if (generic instanceof ParameterizedType parameterized) {
          Type[] arguments = parameterized.getActualTypeArguments();
          if (arguments[arguments.length - 1] instanceof Class<?> element && element.isRecord()) {
            addRecord(names, name, element, depth + 1);
          }
        }
      }
    }
  }

  private static String kebab(String camel) {
    return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
  }

  private static String environmentName(String property) {
    return property.toUpperCase(Locale.ROOT).replace('.', '_').replace("-", "");
  }

  private static List<Map<String, Object>> load(Path file) throws Exception {
    List<Map<String, Object>> documents = new ArrayList<>();
    for (Object document : new Yaml().loadAll(Files.readString(file))) {
      if (document != null) {
        documents.add(map(document));
      }
    }
    assertThat(documents).as(file.toString()).isNotEmpty();
    return documents;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value) {
    assertThat(value).isInstanceOf(Map.class);
    return (Map<String, Object>) value;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object value) {
    assertThat(value).isInstanceOf(List.class);
    return (List<Object>) value;
  }
}
