package dev.freshet.testdata;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.apache.avro.LogicalTypes;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

public class FraudParquetTest {

  @Rule public TemporaryFolder tmp = new TemporaryFolder();

  @Test
  public void parquetRoundTripReadsBackTheSameRecords() throws Exception {
    FraudGenerator g = FraudGenerator.builder().seed(9).events(10_000).build();
    FraudDataset data = g.generate();
    Path dir = tmp.getRoot().toPath();
    FraudSummary s = GenerateFraud.write(g, dir, GenerateFraud.Format.parquet, null);
    assertThat(s).isEqualTo(data.summary());

    List<Payment> expected = data.payments().stream().map(GeneratedPayment::payment).toList();
    assertThat(FraudParquet.readPayments(dir.resolve("events.parquet"))).isEqualTo(expected);
    assertThat(FraudParquet.readChargebacks(dir.resolve("outcomes.parquet")))
        .isEqualTo(data.chargebacks());
  }

  @Test
  public void parquetSchemaHasTheWireFieldNamesAndTypes() throws Exception {
    Path file = tmp.getRoot().toPath().resolve("events.parquet");
    FraudGenerator g = FraudGenerator.builder().seed(9).events(100).build();
    try (RecordWriter<Payment> w = FraudParquet.paymentWriter(file)) {
      w.writeAll(g.generate().payments().stream().map(GeneratedPayment::payment).toList());
    }
    MessageType schema;
    try (ParquetFileReader r = ParquetFileReader.open(LocalParquetFiles.input(file))) {
      schema = r.getFooter().getFileMetaData().getSchema();
      assertThat(r.getRecordCount()).isEqualTo(100);
    }
    assertThat(schema.getFields().stream().map(f -> f.getName()).toList())
        .containsExactlyElementsOf(FraudJsonl.PAYMENT_FIELDS);
    var time = schema.getType("event_time").asPrimitiveType();
    assertThat(time.getPrimitiveTypeName()).isEqualTo(PrimitiveTypeName.INT64);
    assertThat(time.getLogicalTypeAnnotation())
        .isEqualTo(
            LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MILLIS));
    assertThat(schema.getType("amount").asPrimitiveType().getPrimitiveTypeName())
        .isEqualTo(PrimitiveTypeName.DOUBLE);
    assertThat(FraudParquet.CHARGEBACK_SCHEMA.getField("outcome_time").schema().getLogicalType())
        .isEqualTo(LogicalTypes.timestampMillis());
    assertThat(FraudParquet.CHARGEBACK_SCHEMA.getField("label").schema().getType())
        .isEqualTo(org.apache.avro.Schema.Type.BOOLEAN);
  }
}
