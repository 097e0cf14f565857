/**
 * What every module agrees on about failures: which are retriable, and how a poison record is set
 * aside.
 */
package io.runstream.core.failure;
