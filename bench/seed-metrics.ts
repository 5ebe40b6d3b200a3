import type { MetricsStore } from '../core/metrics/metrics-store';
import { seededRandom } from './seeded-random';

export const SEED_DAYS = 30;
export const SENDS_PER_SECOND = 100;
/** SendRecord calls per minute; each stands for SENDS_PER_RECORD sends (see `seedMetrics`). */
export const RECORDS_PER_MINUTE = 60;
const SENDS_PER_RECORD = (SENDS_PER_SECOND * 60) / RECORDS_PER_MINUTE;
const MESSAGES_PER_SEND = 10;
const TOPICS = ['orders', 'invoices', 'customers'];
const SCHEDULINGS = ['orders-hourly', 'invoices-nightly', 'customers-delta', 'orders-audit'];
/** Every (topic, scheduling) pair: 12 rows a minute, the most that 3 topics and 4 schedulings can make. */
const PAIRS = TOPICS.flatMap((topic) => SCHEDULINGS.map((scheduling) => ({ topic, scheduling })));
/** Writes every 6 hours of records: 4,320 rows, under the buffer's default cap of 10,000 rows. */
const MINUTES_PER_FLUSH = 360;
const FAILURE_RATE = 0.005;
const MINUTE_MS = 60_000;

export interface SeedResult {
  minutes: number;
  records: number;
  /** Sends the records stand for: 100 a second over the period. */
  sends: number;
  seconds: number;
}

/**
 * Fills `store` with `days` days of sends at 100 sends a second, ending with the minute of `now`.
 *
 * Why 60 records a minute give the same stored rows as 6,000 real sends: the store keeps one row per
 * (minute, topic, scheduling) and every send only adds to that row's counters, so the rows, their
 * columns and what a read has to scan and sum depend on the keys, not on how many sends fed them. Each
 * record carries the messages and bytes of 100 sends, so message and byte totals match 100 sends a
 * second; only the `sends` and histogram counts are 100 times smaller (SQLite's variable-length integers
 * make its file a little smaller for that). Recording 259 million sends would take far longer and
 * measure the in-memory rollup, not the API.
 *
 * Latencies (5-50 ms, skewed low, plus a rare slow tail) and the ~0.5% failures come from a fixed seed,
 * so every run stores identical rows.
 */
export async function seedMetrics(store: MetricsStore, now: Date, days = SEED_DAYS): Promise<SeedResult> {
  const started = process.hrtime.bigint();
  const random = seededRandom(20_260_315);
  const lastMinute = Math.floor(now.getTime() / MINUTE_MS);
  const minutes = days * 24 * 60;
  let records = 0;
  for (let i = 0; i < minutes; i++) {
    const minuteStart = (lastMinute - minutes + 1 + i) * MINUTE_MS;
    for (let r = 0; r < RECORDS_PER_MINUTE; r++) {
      const pair = PAIRS[r % PAIRS.length] ?? { topic: 'orders', scheduling: 'orders-hourly' };
      const u = random();
      const success = random() >= FAILURE_RATE;
      const messages = SENDS_PER_RECORD * MESSAGES_PER_SEND;
      store.record({
        at: new Date(minuteStart + Math.floor((r * MINUTE_MS) / RECORDS_PER_MINUTE)),
        topic: pair.topic,
        scheduling: pair.scheduling,
        messages,
        bytes: messages * (180 + Math.floor(random() * 80)),
        // 1% slow tail (50-250 ms) as a broker hiccup would give; the rest 5-50 ms, most of them fast.
        latencyMs: u < 0.01 ? 50 + random() * 200 : 5 + 45 * u * u,
        success,
        error: success ? null : 'KafkaJSRequestTimeoutError: Request Produce timed out',
      });
      records++;
    }
    if ((i + 1) % MINUTES_PER_FLUSH === 0) await store.flush();
  }
  await store.flush();
  const { dropped } = store.state();
  if (dropped > 0) throw new Error(`seeding dropped ${dropped} records: the buffer overflowed`);
  return {
    minutes,
    records,
    sends: records * SENDS_PER_RECORD,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
  };
}
