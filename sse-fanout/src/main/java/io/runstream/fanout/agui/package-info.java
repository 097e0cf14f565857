/**
 * The AG-UI face ({@code POST /api/v1/ag-ui}, issue #28, {@code docs/faces/ag-ui.md}): AG-UI's
 * {@code RunAgentInput} in, AG-UI events out over SSE, as {@code @ag-ui/client}'s {@code HttpAgent}
 * reads them. Everything of the face is in this package (its {@code Face} bean, controller, request
 * mapper and renderer), added through the face registry (ADR 0017) with no shared edit.
 */
package io.runstream.fanout.agui;
