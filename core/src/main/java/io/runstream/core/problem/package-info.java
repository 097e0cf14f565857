/**
 * Canonical errors as RFC 9457 {@code application/problem+json} with a stable {@code code}; no
 * input ever yields a 500 with a stack trace. Request size limits live here too.
 */
package io.runstream.core.problem;
