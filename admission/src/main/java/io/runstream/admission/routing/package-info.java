/** Which model a run goes to: the per-organisation routing an administrator sets. */
package io.runstream.admission.routing;
