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
 */
public record SessionRow(
    UUID id, UUID orgId, UUID userId, String userName, String title, String metadataJson, Instant createdAt, Instant updatedAt) {}
