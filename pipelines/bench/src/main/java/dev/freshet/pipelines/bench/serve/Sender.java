package dev.freshet.pipelines.bench.serve;

import dev.freshet.pipelines.kafka.KafkaClients;
import dev.freshet.testdata.FraudJsonl;
import dev.freshet.testdata.Payment;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The load: sends the generated payments as events (keyed by card) one at a time, paced at a rate
 * or as a backlog, and tells the {@link PredictionReader} when each was due.
 */
final class Sender {
  private final KafkaProducer<String, String> producer;
  private final String topic;
  private final PredictionReader reader;
  private final Payments payments;

  Sender(
      KafkaProducer<String, String> producer,
      String topic,
      PredictionReader reader,
      Payments payments) {
    this.producer = producer;
    this.topic = topic;
    this.reader = reader;
    this.payments = payments;
  }

  /** The events producer: leader acks only, no idempotence, records batched for 1 ms. */
  static KafkaProducer<String, String> producer(KafkaClients kafka) {
    return new KafkaProducer<>(
        kafka.config(
            Map.of(
                // 1 ms: at 5,000 events/s the broker gets a few records per request, not one each.
                ProducerConfig.LINGER_MS_CONFIG,
                1,
                ProducerConfig.ACKS_CONFIG,
                "1",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                false)),
        new StringSerializer(),
        new StringSerializer());
  }

  /** Sends the next payment at its replayed event time, due now, and flushes. */
  void sendReplayed(Phase phase, String id) {
    Payment p = payments.next();
    send(phase, id, p, payments.replayedEventTime(p), System.nanoTime());
    producer.flush();
  }

  /**
   * Sends {@code total} events at {@code rate}/s (event time = wall clock at sending), unless
   * {@code stop} holds first; {@code beforeSend} sees each index. With {@code maxOutstanding > 0}
   * it pauses (and shifts the schedule) while that many events are unanswered. Latency is measured
   * from when each event was due, so a sender falling behind still counts the wait. Returns the
   * rate achieved.
   */
  double paced(
      Phase phase,
      int rate,
      long total,
      int maxOutstanding,
      BooleanSupplier stop,
      LongConsumer beforeSend) {
    double periodNanos = 1e9 / rate;
    long begin = System.nanoTime() + 1_000_000;
    long start = begin;
    long i = 0;
    for (; i < total; i++) {
      if (maxOutstanding > 0 && reader.outstanding() >= maxOutstanding) {
        long stalled = System.nanoTime();
        while (reader.outstanding() >= maxOutstanding) {
          LockSupport.parkNanos(1_000_000);
        }
        start += System.nanoTime() - stalled;
      }
      long due = start + (long) (i * periodNanos);
      long wait;
      while ((wait = due - System.nanoTime()) > 50_000) {
        LockSupport.parkNanos(wait);
      }
      if (beforeSend != null) {
        beforeSend.accept(i);
      }
      send(phase, phase.name + "-" + i, payments.next(), System.currentTimeMillis(), due);
      if (stop.getAsBoolean()) {
        i++;
        break;
      }
    }
    producer.flush();
    double elapsed = (System.nanoTime() - begin) / 1e9;
    return i / elapsed;
  }

  /** Sends {@code total} events as fast as the producer takes them, each due when it is sent. */
  void backlog(Phase phase, int total) {
    for (int i = 0; i < total; i++) {
      long now = System.nanoTime();
      send(phase, phase.name + "-" + i, payments.next(), System.currentTimeMillis(), now);
    }
    producer.flush();
  }

  private void send(Phase phase, String id, Payment p, long eventTimeMillis, long dueNanos) {
    Payment event =
        new Payment(
            id,
            Instant.ofEpochMilli(eventTimeMillis),
            p.riderId(),
            p.cardId(),
            p.tripId(),
            p.city(),
            p.deviceId(),
            p.amount());
    reader.expect(phase, id, dueNanos, System.currentTimeMillis());
    producer.send(
        new ProducerRecord<>(topic, null, eventTimeMillis, p.cardId(), FraudJsonl.toJson(event)));
  }
}
