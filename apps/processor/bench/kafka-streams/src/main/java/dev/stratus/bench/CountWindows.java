package dev.stratus.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Count windows of N events per sensor, as apps/processor computes them, written the way a Kafka Streams user would:
 * the Processor API with a persistent (RocksDB) key-value store backed by a changelog, exactly_once_v2.
 *
 * <p>Args: bootstrap servers, input topic, output topic, application id, stream threads, state dir, window size.
 */
public final class CountWindows {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String STORE = "windows";

  /** The open window of one sensor, stored as "count|sum|firstId|lastId|fromTs|toTs|window". */
  static final class WindowProcessor implements Processor<String, String, String, String> {
    private final int size;
    private ProcessorContext<String, String> context;
    private KeyValueStore<String, String> store;

    WindowProcessor(int size) {
      this.size = size;
    }

    @Override
    public void init(ProcessorContext<String, String> context) {
      this.context = context;
      this.store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, String> record) {
      JsonNode event;
      try {
        event = JSON.readTree(record.value());
      } catch (Exception e) {
        return;
      }
      if (event == null || !event.path("sensor").isTextual() || !event.path("value").isNumber()) return;
      String sensor = event.get("sensor").asText();
      BigDecimal value = new BigDecimal(event.get("value").asText());
      long id = event.path("id").asLong();
      long ts = event.path("ts").asLong();
      String stored = store.get(sensor);
      long count = 0;
      BigDecimal sum = BigDecimal.ZERO;
      long firstId = id;
      long fromTs = ts;
      long toTs = ts;
      long window = 1;
      if (stored != null) {
        String[] f = stored.split("\\|");
        count = Long.parseLong(f[0]);
        sum = new BigDecimal(f[1]);
        firstId = Long.parseLong(f[2]);
        fromTs = Math.min(Long.parseLong(f[4]), ts);
        toTs = Math.max(Long.parseLong(f[5]), ts);
        window = Long.parseLong(f[6]);
        if (count == 0) {
          firstId = id;
          fromTs = ts;
          toTs = ts;
        }
      }
      count += 1;
      sum = sum.add(value);
      if (count < size) {
        store.put(sensor, count + "|" + sum.toPlainString() + "|" + firstId + "|" + id + "|" + fromTs + "|" + toTs + "|" + window);
        return;
      }
      BigDecimal avg = sum.divide(BigDecimal.valueOf(count), 2, RoundingMode.HALF_EVEN);
      String result = "{\"sensor\":\"" + sensor + "\",\"avg\":" + avg.stripTrailingZeros().toPlainString() + ",\"count\":" + count
          + ",\"window\":" + window + ",\"firstId\":" + firstId + ",\"lastId\":" + id + ",\"fromTs\":" + fromTs + ",\"toTs\":" + toTs
          + ",\"emittedAt\":" + System.currentTimeMillis() + "}";
      context.forward(record.withValue(result));
      store.put(sensor, "0|0|0|0|0|0|" + (window + 1));
    }
  }

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 7) {
      System.err.println("usage: CountWindows bootstrap input output application-id threads state-dir window-size");
      System.exit(2);
    }
    int size = Integer.parseInt(args[6]);
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.String()));
    builder.<String, String>stream(args[1]).process(() -> new WindowProcessor(size), STORE).to(args[2]);

    Properties props = new Properties();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, args[3]);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.parseInt(args[4]));
    props.put(StreamsConfig.STATE_DIR_CONFIG, args[5]);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.DEFAULT_KEY_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    props.put(StreamsConfig.DEFAULT_VALUE_SERDE_CLASS_CONFIG, Serdes.StringSerde.class);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");

    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      streams.close();
      done.countDown();
    }));
    streams.setUncaughtExceptionHandler(e -> {
      e.printStackTrace();
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.start();
    System.out.println("running");
    done.await();
  }
}
