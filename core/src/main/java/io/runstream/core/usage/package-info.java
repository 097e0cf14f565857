/** Usage roll-ups: the latency sketch they carry and the store that keeps them in PostgreSQL. */
package io.runstream.core.usage;
