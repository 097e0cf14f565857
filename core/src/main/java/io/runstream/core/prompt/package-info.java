/** What user text may not contain once it is part of a prompt. */
package io.runstream.core.prompt;
