package dev.freshet.testdata;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * The Parquet format of payments and chargebacks: the same field names as the JSON lines, written
 * with parquet-avro; times are {@code long} with the {@code timestamp-millis} logical type, {@code
 * amount} a {@code double}, {@code label} a {@code boolean}.
 */
public final class FraudParquet {

  /** Avro schema of a payment record. */
  public static final Schema PAYMENT_SCHEMA =
      new Schema.Parser()
          .parse(
              """
              {"type": "record", "name": "Payment", "namespace": "dev.freshet.testdata",
               "fields": [
                 {"name": "event_id", "type": "string"},
                 {"name": "event_type", "type": "string"},
                 {"name": "event_time", "type": {"type": "long", "logicalType": "timestamp-millis"}},
                 {"name": "rider_id", "type": "string"},
                 {"name": "card_id", "type": "string"},
                 {"name": "trip_id", "type": "string"},
                 {"name": "city", "type": "string"},
                 {"name": "device_id", "type": "string"},
                 {"name": "amount", "type": "double"}
               ]}
              """);

  /** Avro schema of a chargeback record. */
  public static final Schema CHARGEBACK_SCHEMA =
      new Schema.Parser()
          .parse(
              """
              {"type": "record", "name": "Chargeback", "namespace": "dev.freshet.testdata",
               "fields": [
                 {"name": "event_id", "type": "string"},
                 {"name": "outcome_time",
                  "type": {"type": "long", "logicalType": "timestamp-millis"}},
                 {"name": "label", "type": "boolean"}
               ]}
              """);

  private FraudParquet() {}

  /** A payment as an Avro record of {@link #PAYMENT_SCHEMA}. */
  public static GenericRecord toRecord(Payment p) {
    GenericRecord r = new GenericData.Record(PAYMENT_SCHEMA);
    r.put("event_id", p.eventId());
    r.put("event_type", Payment.EVENT_TYPE);
    r.put("event_time", p.eventTime().toEpochMilli());
    r.put("rider_id", p.riderId());
    r.put("card_id", p.cardId());
    r.put("trip_id", p.tripId());
    r.put("city", p.city());
    r.put("device_id", p.deviceId());
    r.put("amount", p.amount());
    return r;
  }

  /** A chargeback as an Avro record of {@link #CHARGEBACK_SCHEMA}. */
  public static GenericRecord toRecord(Chargeback c) {
    GenericRecord r = new GenericData.Record(CHARGEBACK_SCHEMA);
    r.put("event_id", c.eventId());
    r.put("outcome_time", c.outcomeTime().toEpochMilli());
    r.put("label", c.label());
    return r;
  }

  /** A payment from an Avro record with the fields of {@link #PAYMENT_SCHEMA}. */
  public static Payment toPayment(GenericRecord r) {
    return new Payment(
        str(r, "event_id"),
        time(r.get("event_time")),
        str(r, "rider_id"),
        str(r, "card_id"),
        str(r, "trip_id"),
        str(r, "city"),
        str(r, "device_id"),
        ((Number) r.get("amount")).doubleValue());
  }

  /** A chargeback from an Avro record with the fields of {@link #CHARGEBACK_SCHEMA}. */
  public static Chargeback toChargeback(GenericRecord r) {
    return new Chargeback(
        str(r, "event_id"), time(r.get("outcome_time")), (Boolean) r.get("label"));
  }

  /** Opens a payments Parquet file for writing (replacing it). */
  public static RecordWriter<Payment> paymentWriter(Path file) throws IOException {
    ParquetWriter<GenericRecord> w = writer(file, PAYMENT_SCHEMA);
    return new RecordWriter<>() {
      @Override
      public void write(Payment p) throws IOException {
        w.write(toRecord(p));
      }

      @Override
      public void close() throws IOException {
        w.close();
      }
    };
  }

  /** Opens a chargebacks Parquet file for writing (replacing it). */
  public static RecordWriter<Chargeback> chargebackWriter(Path file) throws IOException {
    ParquetWriter<GenericRecord> w = writer(file, CHARGEBACK_SCHEMA);
    return new RecordWriter<>() {
      @Override
      public void write(Chargeback c) throws IOException {
        w.write(toRecord(c));
      }

      @Override
      public void close() throws IOException {
        w.close();
      }
    };
  }

  /** Reads a whole payments Parquet file. */
  public static List<Payment> readPayments(Path file) throws IOException {
    List<Payment> out = new ArrayList<>();
    try (ParquetReader<GenericRecord> r = reader(file)) {
      for (GenericRecord rec = r.read(); rec != null; rec = r.read()) {
        out.add(toPayment(rec));
      }
    }
    return out;
  }

  /** Reads a whole chargebacks Parquet file. */
  public static List<Chargeback> readChargebacks(Path file) throws IOException {
    List<Chargeback> out = new ArrayList<>();
    try (ParquetReader<GenericRecord> r = reader(file)) {
      for (GenericRecord rec = r.read(); rec != null; rec = r.read()) {
        out.add(toChargeback(rec));
      }
    }
    return out;
  }

  private static ParquetWriter<GenericRecord> writer(Path file, Schema schema) throws IOException {
    return AvroParquetWriter.<GenericRecord>builder(LocalParquetFiles.output(file))
        .withSchema(schema)
        .withDataModel(GenericData.get())
        .withCompressionCodec(CompressionCodecName.ZSTD)
        .withWriteMode(org.apache.parquet.hadoop.ParquetFileWriter.Mode.OVERWRITE)
        .build();
  }

  private static ParquetReader<GenericRecord> reader(Path file) throws IOException {
    return AvroParquetReader.<GenericRecord>builder(LocalParquetFiles.input(file))
        .withDataModel(GenericData.get())
        .build();
  }

  private static String str(GenericRecord r, String field) {
    Object v = r.get(field);
    return v == null ? null : v.toString();
  }

  private static Instant time(Object v) {
    if (v instanceof Instant i) {
      return i;
    }
    return Instant.ofEpochMilli(((Number) v).longValue());
  }
}
