import { JsonText } from '../../core/json-text';
import { inferColumnTypes } from '../../core/preview/column-types';

describe('inferColumnTypes', () => {
  it("takes the driver's declared type, else the sampled values' type", () => {
    const fields = [
      { name: 'id', hint: 'bigint' as const },
      { name: 'label', hint: 'unknown' as const },
      { name: 'ratio', hint: 'unknown' as const },
      { name: 'doc', hint: 'unknown' as const },
      { name: 'nothing', hint: 'unknown' as const },
      { name: 'both', hint: 'unknown' as const },
      { name: 'at', hint: 'date' as const },
    ];
    const rows = [
      [1n, 'a', 1, new JsonText('{}'), null, 1, new Date()],
      [2n, 'b', 1.5, null, null, 'x', null],
    ];
    expect(inferColumnTypes(fields, rows)).toEqual([
      { name: 'id', type: 'integer' },
      { name: 'label', type: 'text' },
      // Integers among decimals are numbers.
      { name: 'ratio', type: 'number' },
      { name: 'doc', type: 'json' },
      { name: 'nothing', type: 'null' },
      { name: 'both', type: 'mixed' },
      { name: 'at', type: 'timestamp' },
    ]);
  });
});
