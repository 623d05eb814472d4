package dev.freshet.runners;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.Test;
import org.junit.runner.RunWith;
import org.junit.runners.JUnit4;

/** The image check prints the engine, the libtorch it loaded and the GPUs it sees. */
@RunWith(JUnit4.class)
public class EngineInfoTest {
  @Test
  public void namesTheEngineItsLibraryAndTheGpus() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    EngineInfo.print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertThat(out).contains("engine PyTorch 2.7.1").containsPattern("(?m)^gpus \\d+$");
    assertThat(out).containsPattern("(?m)^libtorch /.+");
  }
}
