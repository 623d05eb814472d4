package dev.freshet.pipelines;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The command line's contract for mistakes: exit status 2 and a message that says what to do. */
public class FreshetTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  @Test(timeout = 60_000)
  public void serveWithUnreachableKafkaExitsNonZeroNamingTheServers() {
    StringWriter err = new StringWriter();
    int status =
        Freshet.execute(
            new PrintWriter(err, true),
            "serve",
            "--bootstrapServers=127.0.0.1:1",
            "--registry=" + tmp.getRoot());
    assertThat(status).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("error: no Kafka broker answered at --bootstrapServers=127.0.0.1:1")
        .doesNotContain("\tat ");
  }

  @Test
  public void anUnknownOptionIsNamed() {
    StringWriter err = new StringWriter();
    int status = Freshet.execute(new PrintWriter(err, true), "serve", "--bootstrapServer=x:1");
    assertThat(status).isEqualTo(2);
    assertThat(err.toString())
        .contains("'bootstrapServer'")
        .contains("Did you mean 'bootstrapServers'");
  }

  @Test
  public void archiveNamesABadOptionBeforeContactingKafka() {
    StringWriter err = new StringWriter();
    int status =
        Freshet.execute(
            new PrintWriter(err, true),
            "archive",
            "--bootstrapServers=127.0.0.1:1",
            "--archiveDir=" + tmp.getRoot(),
            "--numShards=0");
    assertThat(status).isEqualTo(2);
    assertThat(err.toString()).startsWith("error: --numShards must be between 1 and 1024, got 0");
  }
}
