package io.runstream.core.store;

import java.time.Instant;
import java.util.UUID;

/**
 * A session as stored, with its owner's display name.
 *
 * @param id the session
 * @param orgId its organisation
 * @param userId its owner
 * @param userName the owner's display name
 * @param title its title, blank until generated
 * @param metadataJson its metadata, a JSON object
 * @param createdAt when it was created
 * @param updatedAt when it last changed
 * @param userPublicId the owner's id as clients see it ({@link io.runstream.core.identity.UserIds})
 * @param face the API face whose key names the session, or null
 * @param externalKey the face's own key of the session ({@code conversationId}, genie's {@code
 *     sessionId}), or null
 */
public record SessionRow(
    UUID id,
    UUID orgId,
    UUID userId,
    String userName,
    String title,
    String metadataJson,
    Instant createdAt,
    Instant updatedAt,
    UUID userPublicId,
    String face,
    String externalKey) {}
