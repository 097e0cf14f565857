/**
 * The PostgreSQL store every service shares: sessions, messages, runs, the chunk log and the usage
 * ledger. The schema is migrated by Flyway ({@code db/migration}) when any service starts.
 */
package io.runstream.core.store;
