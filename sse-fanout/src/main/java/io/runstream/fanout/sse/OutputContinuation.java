package io.runstream.fanout.sse;

import io.runstream.fanout.stream.RunReader;
import java.io.IOException;

/**
 * A suspended stream's continuation on its {@link Output}: whether the output can take frames is
 * the output's to say, whichever transport is under it (a servlet request's, {@link Suspension};
 * Jetty's own response, {@link JettyExchange}).
 */
abstract class OutputContinuation implements RunReader.Continuation {
  final Output output;

  OutputContinuation(Output output) {
    this.output = output;
  }

  @Override
  public final boolean writable() {
    return output.writable();
  }

  @Override
  public final void whenWritable(Runnable action) {
    output.whenWritable(action);
  }

  @Override
  public final void awaitWritable() throws IOException {
    output.awaitWritable();
  }
}
