/** Start-up failures explained in one line: the cause and the setting to change. */
package io.runstream.core.startup;
