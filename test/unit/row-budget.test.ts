import { PermanentError, RowTooLargeError } from '../../core/errors';
import { checkRowBudget, rowBudgetBytes, rowBytes } from '../../core/row-budget';

describe('row budget', () => {
  it('is a share of this process heap limit', () => {
    expect(rowBudgetBytes()).toBeGreaterThan(1024 * 1024);
  });

  it('sizes text, bytes, numbers and nested JSON', () => {
    expect(rowBytes([null, 'abc', Buffer.alloc(10), 1, 2n, new Date(), [{ a: 'xy' }]])).toBe(3 + 10 + 8 + 8 + 8 + 2);
    expect(rowBytes({ id: 1, name: 'abcd' })).toBe(12);
  });

  it('fails, not retryably, on the first row over the budget, naming its key, number and size', () => {
    const rows = [
      ['a', 'x'.repeat(10)],
      ['big', 'x'.repeat(2_000)],
    ];
    expect(checkRowBudget(rows.slice(0, 1), 1_000, 1, (r) => r[0]!)).toBe(11);
    let error: unknown;
    try {
      checkRowBudget(rows, 1_000, 41, (r) => r[0]!);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RowTooLargeError);
    expect(error).toMatchObject({ key: 'big', row: 42, bytes: 2_003, budget: 1_000 });
    expect((error as Error).message).toMatch(
      /^row 42 \(key "big"\) holds 2003 bytes, over the 1000-byte budget of one row/,
    );
    expect(error).toBeInstanceOf(PermanentError);
  });
});
