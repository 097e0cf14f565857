/** How the API writes time. */
package io.runstream.core.time;
