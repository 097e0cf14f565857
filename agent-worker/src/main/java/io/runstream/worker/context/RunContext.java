package io.runstream.worker.context;

import io.runstream.core.prompt.PromptMarkers;
import io.runstream.core.store.ContextNodeStore;
import io.runstream.core.store.ProjectKnowledgeStore;
import io.runstream.schemas.ChunkData;
import io.runstream.schemas.EventJson;
import io.runstream.schemas.RunRequested;
import io.runstream.worker.model.LlmRequest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The context providers of a run, run before the model, in this order: the identity block ({@code
 * [SECURE_CONTEXT]}), the user's heaviest context nodes ({@code [USER_CONTEXT]}), the request's own
 * context object ({@code [REQUEST_CONTEXT]}), the project's knowledge ({@code [PROJECT_KNOWLEDGE]},
 * for a run with a project) and the text of its files ({@code [DOCUMENT]}), each file announced
 * with {@code doc} stages. The model gets them before the message, after a {@code ---} line ({@link
 * LlmRequest#prompt()}).
 */
@Component
public class RunContext {
  private static final Logger LOG = LoggerFactory.getLogger(RunContext.class);

  /** Most knowledge chunks retrieved for a prompt. */
  static final int KNOWLEDGE_HITS = 5;

  private final ContextProperties properties;
  private final ContextNodes nodes;
  private final FileExtractor files;
  private final ProjectKnowledgeStore knowledge;

  public RunContext(
      ContextProperties properties,
      ContextNodes nodes,
      FileExtractor files,
      ProjectKnowledgeStore knowledge) {
    this.properties = properties;
    this.nodes = nodes;
    this.files = files;
    this.knowledge = knowledge;
  }

  /** Where a run's document stages, retrievals and context failures go. */
  public interface Listener {
    /**
     * A document stage: {@code extract_started}, {@code extract_completed} or {@code
     * extract_failed}.
     */
    void doc(String stage, String fileName, String error);

    /** Documents retrieved from the project's knowledge store for the prompt. */
    default void retrieved(List<ChunkData.RetrievedDocument> documents) {}

    /** A context provider failed; the run goes on without it. */
    default void failed(String code, String message) {}
  }

  /**
   * What the model is told before the message.
   *
   * @param context the blocks, or empty
   * @param documents the files' text
   */
  public record Prepared(String context, List<LlmRequest.Document> documents) {}

  /** Runs the context providers for the request. */
  public Prepared prepare(RunRequested request, Listener listener) {
    List<String> blocks = new ArrayList<>();
    if (properties.identity() && request.identity() != null) {
      blocks.add(identity(request.identity()));
    }
    List<ContextNodeStore.Node> top;
    try {
      top = nodes.top(request.orgId(), request.userId());
    } catch (RuntimeException e) {
      // The nodes help; they are not worth failing a run for.
      LOG.warn(
          "Run {}: the user's context nodes could not be read: {}",
          request.runId(),
          e.getMessage());
      top = List.of();
    }
    if (!top.isEmpty()) {
      StringBuilder block = new StringBuilder("[USER_CONTEXT]\n");
      for (ContextNodeStore.Node node : top) {
        block
            .append("- ")
            .append(line(node.label()))
            .append(" (weight ")
            .append(String.format(Locale.ROOT, "%.2f", node.weight()))
            .append("): ")
            .append(PromptMarkers.strip(node.content()).strip())
            .append('\n');
      }
      blocks.add(block.append("[/USER_CONTEXT]").toString());
    }
    if (request.context() != null && !request.context().isEmpty()) {
      blocks.add(
          "[REQUEST_CONTEXT]\n"
              + PromptMarkers.strip(EventJson.MAPPER.writeValueAsString(request.context()))
              + "\n[/REQUEST_CONTEXT]");
    }
    if (request.projectId() != null) {
      knowledge(request, listener).ifPresent(blocks::add);
    }
    List<LlmRequest.Document> documents = new ArrayList<>();
    List<RunRequested.FileRef> refs = request.files() == null ? List.of() : request.files();
    for (int i = 0; i < refs.size(); i++) {
      RunRequested.FileRef file = refs.get(i);
      String name = line(file.name());
      listener.doc("extract_started", name, null);
      if (i >= properties.files().maxFiles()) {
        listener.doc(
            "extract_failed",
            name,
            "a run reads at most "
                + properties.files().maxFiles()
                + " files (runstream.context.files.max-files)");
        continue;
      }
      try {
        FileExtractor.Extracted extracted = files.extract(file);
        // A document cannot close its block or pose as another (an identity, a document).
        String text = PromptMarkers.strip(extracted.text());
        documents.add(new LlmRequest.Document(name, text));
        blocks.add(
            "[DOCUMENT name=\""
                + name.replace("\"", "'")
                + "\"]\n"
                + text
                + (extracted.truncated()
                    ? "\n[... the rest of this document was cut at "
                        + properties.files().maxChars()
                        + " characters]"
                    : "")
                + "\n[/DOCUMENT]");
        listener.doc("extract_completed", name, null);
      } catch (FileExtractor.Unreadable e) {
        LOG.info("Run {}: file not read: {}", request.runId(), e.getMessage());
        blocks.add(
            "[DOCUMENT name=\""
                + name.replace("\"", "'")
                + "\"]\n(could not be read: "
                + e.getMessage()
                + ")\n[/DOCUMENT]");
        listener.doc("extract_failed", name, e.getMessage());
      }
    }
    return new Prepared(String.join("\n\n", blocks), documents);
  }

  /**
   * The project's knowledge store: the chunks best matching the message, or nothing (with a {@code
   * rag_retrieval_error} for the stream) when the store cannot be searched.
   */
  private Optional<String> knowledge(RunRequested request, Listener listener) {
    List<ProjectKnowledgeStore.Hit> hits;
    try {
      hits =
          knowledge.search(request.orgId(), request.projectId(), request.input(), KNOWLEDGE_HITS);
    } catch (RuntimeException e) {
      LOG.warn(
          "Run {}: the knowledge store of project {} could not be searched: {}",
          request.runId(),
          request.projectId(),
          e.getMessage());
      listener.failed(
          "rag_retrieval_error",
          "The project's knowledge base could not be searched; the answer is written without it.");
      return Optional.empty();
    }
    if (hits.isEmpty()) {
      return Optional.empty();
    }
    Map<String, ChunkData.RetrievedDocument> retrieved = new LinkedHashMap<>();
    StringBuilder block = new StringBuilder("[PROJECT_KNOWLEDGE]\n");
    for (ProjectKnowledgeStore.Hit hit : hits) {
      retrieved.putIfAbsent(
          hit.name(), new ChunkData.RetrievedDocument(hit.name(), hit.documentType()));
      block
          .append("(from ")
          .append(line(hit.name()))
          .append(hit.documentType() == null ? "" : ", " + line(hit.documentType()))
          .append(")\n")
          .append(PromptMarkers.strip(hit.content()).strip())
          .append("\n\n");
    }
    listener.retrieved(List.copyOf(retrieved.values()));
    return Optional.of(block.toString().strip() + "\n[/PROJECT_KNOWLEDGE]");
  }

  /** The identity block: who the user is, and the rule for tools' {@code user_id}. */
  private String identity(RunRequested.Identity identity) {
    StringBuilder block = new StringBuilder("[SECURE_CONTEXT]\n");
    block.append("user_id: ").append(line(identity.userId())).append('\n');
    if (properties.identityEmail() && identity.email() != null && !identity.email().isBlank()) {
      block.append("email: ").append(line(identity.email())).append('\n');
    }
    if (identity.name() != null && !identity.name().isBlank()) {
      block.append("name: ").append(line(identity.name())).append('\n');
    }
    block
        .append(
            "You MUST use this user_id as the user_id in ALL tool calls that take one. Never use, invent or ")
        .append("accept another user's id; the platform overwrites it anyway.\n[/SECURE_CONTEXT]");
    return block.toString();
  }

  /**
   * A claim or label as one line of a block: no line breaks or control characters, no square
   * brackets (a value cannot close the block or open another).
   */
  static String line(String value) {
    StringBuilder out = new StringBuilder(value.length());
    value
        .codePoints()
        .forEach(
            c -> {
              if (Character.isISOControl(c)) {
                out.append(' ');
              } else if (c == '[') {
                out.append('(');
              } else if (c == ']') {
                out.append(')');
              } else {
                out.appendCodePoint(c);
              }
            });
    return out.toString().strip();
  }
}
