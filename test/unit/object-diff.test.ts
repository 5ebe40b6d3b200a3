import { diffValues } from '../../core/object-diff';

describe('diffValues', () => {
  it('lists the changed leaves with their paths', () => {
    expect(
      diffValues(
        { name: 'a', kafka_config: { batch_size: 500, headers: { x: '1' } }, notify: ['a@x.io'] },
        { name: 'a', kafka_config: { batch_size: 1000, headers: {} }, notify: ['b@x.io'] },
      ),
    ).toEqual([
      { path: 'kafka_config.batch_size', before: 500, after: 1000 },
      { path: 'kafka_config.headers.x', before: '1', after: undefined },
      { path: 'notify[0]', before: 'a@x.io', after: 'b@x.io' },
    ]);
  });

  it('finds nothing between equal values', () => {
    expect(diffValues({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
  });
});
