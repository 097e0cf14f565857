/**
 * Who is calling: JWT validation (HS256 with a configured secret; an issuer's JWKS in production),
 * the caller's organisation and user (created on first authenticated use) and the security filter
 * chain.
 */
package io.runstream.core.identity;
