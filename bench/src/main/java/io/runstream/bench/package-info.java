/**
 * The load generator: starts the embedded default in this JVM (so that server-side figures such as
 * heap and the delivery-latency histogram can be read directly), drives it over HTTP, and prints
 * the figures as Markdown.
 */
package io.runstream.bench;
