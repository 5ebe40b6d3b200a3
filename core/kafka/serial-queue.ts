/**
 * Runs async work one at a time, in call order. The idempotent producer of @platformatic/kafka 1.x
 * numbers each partition's batches when a send starts and only advances the numbers when the
 * broker answers: two sends in flight on one producer reuse sequence numbers and the broker
 * rejects the second with OUT_OF_ORDER_SEQUENCE_NUMBER. One export already keeps one send on the
 * wire, but several exports of a worker (and the API's /send) share the producer.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    // The next caller waits for this one to settle, whatever its outcome.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
