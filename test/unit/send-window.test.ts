import { InFlightWindow } from '../../core/kafka/send-window';

/** A send whose completion the test controls. */
function deferred() {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('InFlightWindow', () => {
  it('keeps at most `limit` sends in flight and reports them in the order they were added', async () => {
    const window = new InFlightWindow<number>(2);
    const sends = [deferred(), deferred(), deferred()];
    expect(await window.add(() => sends[0]!.promise, 0)).toEqual([]);
    expect(window.size).toBe(1);
    // The second add fills the window: it waits for the oldest, even if a newer one finishes first.
    const second = window.add(() => sends[1]!.promise, 1);
    sends[1]!.resolve();
    sends[0]!.resolve();
    expect(await second).toEqual([0]);
    const third = window.add(() => sends[2]!.promise, 2);
    expect(await third).toEqual([1]);
    sends[2]!.resolve();
    expect(await window.drain()).toEqual([2]);
    expect(window.size).toBe(0);
  });

  it('fails with the oldest failure after letting the others settle', async () => {
    const window = new InFlightWindow<string>(3);
    const a = deferred();
    const b = deferred();
    await window.add(() => a.promise, 'a');
    await window.add(() => b.promise, 'b');
    b.resolve();
    a.reject(new Error('broker said no'));
    await expect(window.drain()).rejects.toThrow('broker said no');
    expect(window.size).toBe(0);
  });

  it('rejects a limit that is not a positive integer', () => {
    expect(() => new InFlightWindow(0)).toThrow('limit must be a positive integer, got 0');
  });
});
