import type { MinuteRollup } from '../../core/metrics/minute-rollup';
import { RollupBuffer } from '../../core/metrics/rollup-buffer';
import type { SendRecord } from '../../core/metrics/send-record';

const T = Date.UTC(2026, 2, 15, 10, 30);

function send(minutesAgo: number, over: Partial<SendRecord> = {}): SendRecord {
  return {
    at: new Date(T - minutesAgo * 60_000),
    topic: 't',
    scheduling: null,
    messages: 1,
    bytes: 1,
    latencyMs: 5,
    success: true,
    error: null,
    ...over,
  };
}

/** A writer whose failures the test switches on and off; it keeps what it was given. */
function writer() {
  const written: MinuteRollup[] = [];
  const w = {
    failing: false,
    written,
    write: async (rows: MinuteRollup[]) => {
      if (w.failing) throw new Error('disk full');
      written.push(...rows);
    },
  };
  return w;
}

const MANUAL = { flushIntervalMs: 3_600_000, retryIntervalMs: 3_600_000 };

describe('RollupBuffer', () => {
  it("rolls sends of the same minute, topic and scheduling into one row, failures' latency apart from deliveries'", async () => {
    const w = writer();
    const buffer = new RollupBuffer(w.write, MANUAL);
    buffer.add(send(0, { messages: 2, latencyMs: 3 }));
    buffer.add(send(0, { messages: 5, latencyMs: 9, success: false, error: 'x' }));
    buffer.add(send(0, { scheduling: 'nightly' }));
    expect(buffer.state().buffered).toBe(3);
    await buffer.flush();
    expect(w.written).toHaveLength(2);
    expect(w.written.find((r) => r.scheduling === '')).toMatchObject({
      sends: 2,
      failedSends: 1,
      messages: 7,
      failedMessages: 5,
      latencySumMs: 3,
      latencyMinMs: 3,
      latencyMaxMs: 3,
      failedLatencySumMs: 9,
    });
    expect(w.written.find((r) => r.scheduling === '')?.buckets.reduce((a, b) => a + b)).toBe(1);
    await buffer.close();
  });

  it('never throws from add, even on nonsense', () => {
    const buffer = new RollupBuffer(writer().write, MANUAL);
    const bad = { at: new Date(Number.NaN), topic: 't', scheduling: null } as unknown as SendRecord;
    expect(() => buffer.add(bad)).not.toThrow();
    expect(() => buffer.add(null as unknown as SendRecord)).not.toThrow();
    expect(buffer.state()).toMatchObject({ buffered: 1, dropped: 1 });
  });

  it('keeps rows through failed writes, marks degraded, and clears it on the next write that works', async () => {
    const w = writer();
    const buffer = new RollupBuffer(w.write, MANUAL);
    w.failing = true;
    buffer.add(send(1));
    await expect(buffer.flush()).rejects.toThrow('disk full');
    buffer.add(send(1));
    await expect(buffer.flush()).rejects.toThrow('disk full');
    expect(buffer.state()).toEqual({ degraded: true, lastError: 'disk full', buffered: 2, dropped: 0 });
    w.failing = false;
    await buffer.flush();
    expect(buffer.state()).toEqual({ degraded: false, lastError: null, buffered: 0, dropped: 0 });
    expect(w.written).toHaveLength(1);
    expect(w.written[0]?.sends).toBe(2);
  });

  it('drops the oldest minutes over its cap and counts their sends', async () => {
    const w = writer();
    const buffer = new RollupBuffer(w.write, { ...MANUAL, maxBufferedRows: 10 });
    w.failing = true;
    for (let ago = 29; ago >= 0; ago--) buffer.add(send(ago, { messages: 1 }));
    await expect(buffer.flush()).rejects.toThrow('disk full');
    const { buffered, dropped } = buffer.state();
    expect(buffered + dropped).toBe(30);
    expect(buffered).toBeLessThanOrEqual(10);
    w.failing = false;
    await buffer.flush();
    const minutes = w.written.map((r) => r.minute).sort((a, b) => a - b);
    // The newest minute is always kept.
    expect(minutes.at(-1)).toBe(T / 60_000);
    expect(minutes[0]).toBe(T / 60_000 - (buffered - 1));
  });

  it('writes early once flushEverySends sends wait', async () => {
    const w = writer();
    const buffer = new RollupBuffer(w.write, { ...MANUAL, flushEverySends: 3 });
    buffer.add(send(0));
    buffer.add(send(0));
    buffer.add(send(0));
    const deadline = Date.now() + 5000;
    while (w.written.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(w.written[0]?.sends).toBe(3);
  });

  it('counts what it cannot write at close as dropped, and drops records after close', async () => {
    const w = writer();
    const buffer = new RollupBuffer(w.write, MANUAL);
    buffer.add(send(0));
    w.failing = true;
    await buffer.close();
    buffer.add(send(0));
    expect(buffer.state()).toMatchObject({ buffered: 0, dropped: 2 });
  });
});
