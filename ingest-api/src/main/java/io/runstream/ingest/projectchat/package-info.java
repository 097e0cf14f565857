/** The project-chat face's knowledge store endpoints. */
package io.runstream.ingest.projectchat;
