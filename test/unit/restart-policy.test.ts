import { RESTART_POLICY, RestartBackoff } from '../../core/restart-policy';

describe('the restart policy', () => {
  it('waits 1 s, then twice as long for each restart in a row, at most 30 s', () => {
    const backoff = new RestartBackoff();
    const waits = Array.from({ length: 8 }, () => backoff.next(500).delayMs);
    expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('starts over at 1 s after a process that ran a minute or more, and counts the restarts in a row', () => {
    const backoff = new RestartBackoff();
    backoff.next(100);
    backoff.next(100);
    expect(backoff.next(100)).toEqual({ delayMs: 4_000, restart: 3 });
    expect(backoff.next(RESTART_POLICY.resetAfterMs)).toEqual({ delayMs: 1_000, restart: 1 });
    expect(backoff.next(RESTART_POLICY.resetAfterMs - 1)).toEqual({ delayMs: 2_000, restart: 2 });
  });
});
