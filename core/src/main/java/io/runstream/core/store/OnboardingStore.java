package io.runstream.core.store;

import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** Users' onboarding phases (the genie face's content gate). */
@Repository
public class OnboardingStore {
  /** The phases, in order. */
  public static final Set<String> PHASES =
      Set.of("EXTENSION_INSTALL", "DATA_COLLECTION", "PROCESSING", "COMPLETE");

  private final JdbcClient jdbc;

  public OnboardingStore(JdbcClient jdbc) {
    this.jdbc = jdbc;
  }

  /**
   * A user's onboarding state.
   *
   * @param phase one of {@link #PHASES}
   * @param sourcesIngested data sources processed so far
   * @param sourcesRequired data sources needed
   * @param updatedAt when it was set
   */
  public record State(String phase, int sourcesIngested, int sourcesRequired, Instant updatedAt) {}

  /** The user's state; empty when none was ever set (not gated). */
  public Optional<State> find(UUID orgId, UUID userId) {
    return jdbc.sql(
            "SELECT phase, sources_ingested, sources_required, updated_at FROM onboarding WHERE org_id = :org AND user_id = :user")
        .param("org", orgId)
        .param("user", userId)
        .query(
            (rs, row) ->
                new State(
                    rs.getString(1), rs.getInt(2), rs.getInt(3), rs.getTimestamp(4).toInstant()))
        .optional();
  }

  /** Sets the user's state. */
  public State put(UUID orgId, UUID userId, String phase, int ingested, int required) {
    return jdbc.sql(
            """
            INSERT INTO onboarding (org_id, user_id, phase, sources_ingested, sources_required)
            VALUES (:org, :user, :phase, :ingested, :required)
            ON CONFLICT (org_id, user_id) DO UPDATE SET phase = EXCLUDED.phase,
              sources_ingested = EXCLUDED.sources_ingested, sources_required = EXCLUDED.sources_required, updated_at = now()
            RETURNING phase, sources_ingested, sources_required, updated_at""")
        .param("org", orgId)
        .param("user", userId)
        .param("phase", phase)
        .param("ingested", ingested)
        .param("required", required)
        .query(
            (rs, row) ->
                new State(
                    rs.getString(1), rs.getInt(2), rs.getInt(3), rs.getTimestamp(4).toInstant()))
        .single();
  }
}
