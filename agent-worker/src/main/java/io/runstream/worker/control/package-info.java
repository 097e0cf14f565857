/** Control of running runs: every worker reads every stop request and stops the runs it holds. */
package io.runstream.worker.control;
