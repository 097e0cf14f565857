/** The operators' endpoints of the organisations' token budgets. */
package io.runstream.ingest.limits;
