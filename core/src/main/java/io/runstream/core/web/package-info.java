/**
 * The HTTP server every service runs on: embedded Jetty, its connector, its container-level errors
 * and which proxies it believes (ADR 0018).
 */
package io.runstream.core.web;
