/**
 * Consumer lag of every Runstream consumer group, measured by the sink for the whole deployment.
 */
package io.runstream.sink.lag;
