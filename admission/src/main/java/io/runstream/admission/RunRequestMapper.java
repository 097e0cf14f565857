package io.runstream.admission;

import io.runstream.core.identity.Caller;

/**
 * A face's request mapper: its request, read and validated in the face's own dialect (by the
 * mapper's face-specific reading methods), becomes the core's run request ({@link RunInput}), which
 * {@link RunAdmission} admits the same way for every face. A bean of the face's package, naming its
 * face; the face's controller only reads, admits and answers.
 *
 * @param <R> the face's validated request
 */
public interface RunRequestMapper<R> {

  /** The name of the registered face ({@code core.face.Face#name()}) whose requests this maps. */
  String face();

  /** The run request of {@code request}, made by {@code caller}. */
  RunInput input(Caller caller, R request);
}
