package dev.freshet.pipelines.bench.serve;

import java.io.IOException;
import org.apache.beam.sdk.PipelineResult;

/**
 * A started system: the loop or a serve pipeline. A pipeline's state is asked for at most every
 * {@value #STATE_CHECK_MILLIS} ms: on Flink each question is an RPC to the job master that
 * deserialises the job's whole configuration, and the waits poll every few milliseconds (asked
 * every time, it took about 5% of the JVM's CPU, charged to serve).
 */
final class Running implements AutoCloseable {
  private static final long STATE_CHECK_MILLIS = 500;
  private final PlainLoopServer loop;
  private final PipelineResult serve;
  private long checkedAt = Long.MIN_VALUE;
  private Throwable failure;

  Running(PlainLoopServer loop, PipelineResult serve) {
    this.loop = loop;
    this.serve = serve;
  }

  boolean failed() {
    return failure() != null;
  }

  /** Throws if the system failed. */
  void check(String system) {
    Throwable t = failure();
    if (t != null) {
      throw new IllegalStateException(system + " failed: " + t, t);
    }
  }

  private Throwable failure() {
    if (loop != null) {
      return loop.failure();
    }
    long now = System.currentTimeMillis();
    if (failure == null && now - checkedAt >= STATE_CHECK_MILLIS) {
      checkedAt = now;
      PipelineResult.State state = serve.getState();
      if (state == PipelineResult.State.FAILED) {
        failure = new IllegalStateException("pipeline state " + state);
      }
    }
    return failure;
  }

  @Override
  public void close() {
    if (loop != null) {
      loop.close();
      return;
    }
    try {
      serve.cancel();
    } catch (IOException | RuntimeException e) {
      // A pipeline that already failed cannot be cancelled; nothing more to stop.
    }
  }
}
