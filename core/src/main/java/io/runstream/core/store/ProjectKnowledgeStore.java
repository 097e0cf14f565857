package io.runstream.core.store;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * Project chat's knowledge store: documents per project (scoped by organisation and project id),
 * cut into chunks of about {@value #CHUNK_CHARS} characters at paragraph boundaries, found by
 * PostgreSQL full-text search (English stemming, any of the query's words, ranked by {@code
 * ts_rank}).
 */
@Repository
public class ProjectKnowledgeStore {
  /** The target size of a chunk. */
  public static final int CHUNK_CHARS = 1_200;

  private static final int MAX_QUERY_WORDS = 32;

  private final JdbcClient jdbc;

  public ProjectKnowledgeStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * A stored document.
   *
   * @param id its id
   * @param name its name in the project (e.g. a path)
   * @param documentType its type, or null
   * @param chars its length
   * @param chunks how many chunks it was cut into
   * @param createdAt when it was stored
   */
  public record Document(
      UUID id, String name, String documentType, int chars, int chunks, Instant createdAt) {}

  /**
   * A chunk found for a query.
   *
   * @param name its document's name
   * @param documentType its document's type, or null
   * @param content the chunk's text
   */
  public record Hit(String name, String documentType, String content) {}

  /** Stores a document (replacing one of the same name in the project) and its chunks. */
  @Transactional
  public Document put(
      UUID orgId, String projectId, String name, String documentType, String content) {
    // One statement for a new name and a replaced one: two uploads of the same name at once meet on
    // the unique key.
    record Stored(UUID id, Instant created) {}
    Stored stored =
        jdbc.sql(
                """
            INSERT INTO project_documents (id, org_id, project_id, name, document_type, content)
            VALUES (:id, :org, :project, :name, :type, :content)
            ON CONFLICT (org_id, project_id, name) DO UPDATE
              SET document_type = EXCLUDED.document_type, content = EXCLUDED.content, created_at = now()
            RETURNING id, created_at""")
            .param("id", UUID.randomUUID())
            .param("org", orgId)
            .param("project", projectId)
            .param("name", name)
            .param("type", documentType)
            .param("content", content)
            .query(
                (rs, row) ->
                    new Stored(rs.getObject(1, UUID.class), rs.getTimestamp(2).toInstant()))
            .single();
    UUID id = stored.id();
    Instant created = stored.created();
    jdbc.sql("DELETE FROM project_chunks WHERE document_id = :id").param("id", id).update();
    List<String> chunks = chunks(content);
    for (int i = 0; i < chunks.size(); i++) {
      jdbc.sql(
              """
              INSERT INTO project_chunks (document_id, org_id, project_id, ordinal, content)
              VALUES (:id, :org, :project, :ordinal, :content)""")
          .param("id", id)
          .param("org", orgId)
          .param("project", projectId)
          .param("ordinal", i)
          .param("content", chunks.get(i))
          .update();
    }
    return new Document(id, name, documentType, content.length(), chunks.size(), created);
  }

  /** The project's documents, by name. */
  public List<Document> list(UUID orgId, String projectId) {
    return jdbc.sql(
            """
            SELECT d.id, d.name, d.document_type, length(d.content),
                   (SELECT count(*) FROM project_chunks c WHERE c.document_id = d.id), d.created_at
            FROM project_documents d WHERE d.org_id = :org AND d.project_id = :project ORDER BY d.name""")
        .param("org", orgId)
        .param("project", projectId)
        .query(
            (rs, row) ->
                new Document(
                    rs.getObject(1, UUID.class),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getInt(4),
                    rs.getInt(5),
                    rs.getTimestamp(6).toInstant()))
        .list();
  }

  /**
   * The project's owner: the user who put its first document, recorded now as {@code userId} if the
   * project has none yet (two first uploads at once meet on the key, and one of them is the owner).
   */
  public UUID owner(UUID orgId, String projectId, UUID userId) {
    jdbc.sql(
            """
            INSERT INTO project_owners (org_id, project_id, user_id) VALUES (:org, :project, :user)
            ON CONFLICT (org_id, project_id) DO NOTHING""")
        .param("org", orgId)
        .param("project", projectId)
        .param("user", userId)
        .update();
    return jdbc.sql(
            "SELECT user_id FROM project_owners WHERE org_id = :org AND project_id = :project")
        .param("org", orgId)
        .param("project", projectId)
        .query(UUID.class)
        .single();
  }

  /** The project's owner, if it has one (a project whose documents all predate owners has none). */
  public Optional<UUID> existingOwner(UUID orgId, String projectId) {
    return jdbc.sql(
            "SELECT user_id FROM project_owners WHERE org_id = :org AND project_id = :project")
        .param("org", orgId)
        .param("project", projectId)
        .query(UUID.class)
        .optional();
  }

  /** Deletes a document of the project; false if there was none. */
  public boolean delete(UUID orgId, String projectId, UUID id) {
    return jdbc.sql(
                "DELETE FROM project_documents WHERE id = :id AND org_id = :org AND project_id = :project")
            .param("id", id)
            .param("org", orgId)
            .param("project", projectId)
            .update()
        > 0;
  }

  /**
   * The project's chunks best matching {@code query}, at most {@code limit}; empty when nothing
   * matches.
   */
  public List<Hit> search(UUID orgId, String projectId, String query, int limit) {
    Optional<String> terms = terms(query);
    if (terms.isEmpty()) {
      return List.of();
    }
    return jdbc.sql(
            """
            SELECT d.name, d.document_type, c.content
            FROM project_chunks c JOIN project_documents d ON d.id = c.document_id,
                 to_tsquery('english', :terms) q
            WHERE c.org_id = :org AND c.project_id = :project AND c.tsv @@ q
            ORDER BY ts_rank(c.tsv, q) DESC, d.name, c.ordinal LIMIT :limit""")
        .param("terms", terms.get())
        .param("org", orgId)
        .param("project", projectId)
        .param("limit", limit)
        .query((rs, row) -> new Hit(rs.getString(1), rs.getString(2), rs.getString(3)))
        .list();
  }

  /**
   * The query's words (letters and digits, 3 characters or more) as an OR of terms; empty when
   * there is none.
   */
  static Optional<String> terms(String query) {
    Set<String> words = new LinkedHashSet<>();
    for (String word : query.toLowerCase(Locale.ROOT).split("[^\\p{L}\\p{Nd}]+")) {
      if (word.length() >= 3 && words.size() < MAX_QUERY_WORDS) {
        words.add(word);
      }
    }
    return words.isEmpty() ? Optional.empty() : Optional.of(String.join(" | ", words));
  }

  /**
   * The text cut into chunks of about {@link #CHUNK_CHARS} characters, at paragraph (else line,
   * else any) breaks.
   */
  static List<String> chunks(String content) {
    List<String> chunks = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String paragraph : content.split("\\n\\s*\\n")) {
      String text = paragraph.strip();
      while (text.length() > CHUNK_CHARS) {
        int cut = text.lastIndexOf(' ', CHUNK_CHARS);
        cut = cut < CHUNK_CHARS / 2 ? CHUNK_CHARS : cut;
        flush(chunks, current);
        chunks.add(text.substring(0, cut).strip());
        text = text.substring(cut).strip();
      }
      if (!current.isEmpty() && current.length() + text.length() + 2 > CHUNK_CHARS) {
        flush(chunks, current);
      }
      if (!text.isEmpty()) {
        current.append(current.isEmpty() ? "" : "\n\n").append(text);
      }
    }
    flush(chunks, current);
    return chunks;
  }

  private static void flush(List<String> chunks, StringBuilder current) {
    if (!current.isEmpty()) {
      chunks.add(current.toString());
      current.setLength(0);
    }
  }
}
