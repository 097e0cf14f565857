/** The genie face's administration: its onboarding gate. */
package io.runstream.ingest.genie;
