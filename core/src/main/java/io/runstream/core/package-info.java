/** What every Runstream service shares: the store, identity, problem+json errors, Kafka clients. */
package io.runstream.core;
