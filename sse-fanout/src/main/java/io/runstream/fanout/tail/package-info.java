/**
 * The node's one consumer of the chunk topic: every partition, from the tail (minus a warm-up
 * look-back).
 */
package io.runstream.fanout.tail;
