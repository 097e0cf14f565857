/** Anthropic's Messages API, streamed through the official SDK. */
package io.runstream.worker.model.anthropic;
