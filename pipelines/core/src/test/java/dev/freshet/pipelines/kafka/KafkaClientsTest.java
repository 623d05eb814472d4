package dev.freshet.pipelines.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** Client settings: from a file and the command line, secrets kept out of sight. */
public class KafkaClientsTest {
  @Rule public final TemporaryFolder tmp = new TemporaryFolder();

  private Path file(String... lines) throws Exception {
    Path f = tmp.newFile().toPath();
    Files.writeString(f, String.join("\n", lines));
    return f;
  }

  @Test
  public void theFileThenTheCommandLineThenFreshetsOwnKeys() throws Exception {
    Path f = file("security.protocol=SASL_SSL", "linger.ms=7", "ssl.truststore.password=hunter2");
    KafkaClients clients =
        KafkaClients.of("k:9093", f.toString(), List.of("linger.ms=5", "compression.type=zstd"));
    Map<String, Object> config = clients.config(Map.of("linger.ms", 0, "acks", "all"));
    assertThat(config)
        .containsEntry("bootstrap.servers", "k:9093")
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("linger.ms", "5")
        .containsEntry("compression.type", "zstd")
        .containsEntry("acks", "all")
        .containsEntry("ssl.truststore.password", "hunter2");
    assertThat(clients.describe())
        .startsWith("k:9093 (")
        .contains("security.protocol=SASL_SSL", "ssl.truststore.password=[hidden]", "from " + f)
        .doesNotContain("hunter2");
  }

  @Test
  public void secretsAreRecognised() {
    for (String key :
        List.of(
            "sasl.jaas.config",
            "ssl.key.password",
            "ssl.keystore.password",
            "basic.auth.user.info",
            "sasl.client.callback.secret",
            "ssl.keystore.key")) {
      assertThat(KafkaClients.isSecret(key)).as(key).isTrue();
    }
    assertThat(KafkaClients.isSecret("security.protocol")).isFalse();
    assertThat(KafkaClients.isSecret("ssl.truststore.location")).isFalse();
  }

  @Test
  public void badSettingsFailNamingTheOption() throws Exception {
    assertThatThrownBy(() -> KafkaClients.of("k:9092", null, List.of("linger.ms")))
        .hasMessageContaining("--kafkaProperty=linger.ms is not key=value");
    assertThatThrownBy(() -> KafkaClients.of("k:9092", null, List.of("ssl.key.password=x")))
        .hasMessageContaining("secret")
        .hasMessageContaining("--kafkaProperties");
    assertThatThrownBy(() -> KafkaClients.of("k:9092", null, List.of("group.id=mine")))
        .hasMessageContaining("--consumerGroup");
    Path bad = file("bootstrap.servers=elsewhere:9092");
    assertThatThrownBy(() -> KafkaClients.of("k:9092", bad.toString(), List.of()))
        .hasMessageContaining("--kafkaProperties=" + bad)
        .hasMessageContaining("bootstrap.servers");
    assertThatThrownBy(() -> KafkaClients.of("k:9092", tmp.getRoot() + "/nowhere", List.of()))
        .hasMessageContaining("--kafkaProperties=" + tmp.getRoot() + "/nowhere cannot be read");
  }
}
