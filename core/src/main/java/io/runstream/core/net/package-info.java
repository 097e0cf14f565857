/**
 * Which URLs Runstream may call or have fetched: public ones, unless the operator allows others.
 */
package io.runstream.core.net;
