import { EventEmitter } from 'node:events';
import type sql from 'mssql';
import { InvalidQueryError } from '../../core/errors';
import { MssqlCursor } from '../../core/sources/mssql-source';

/**
 * The SQL Server cursor's buffering against a stand-in for a streaming mssql request (the same
 * events and pause/resume/cancel). The driver's real test is the source contract with MSSQL_URL set.
 */
class FakeRequest extends EventEmitter {
  paused = false;
  pauses = 0;
  canceled = false;
  pause(): boolean {
    this.paused = true;
    this.pauses += 1;
    return true;
  }
  resume(): boolean {
    this.paused = false;
    return true;
  }
  cancel(): void {
    this.canceled = true;
  }
  recordset(...columns: [string, string, number?][]): void {
    this.emit(
      'recordset',
      columns.map(([name, declaration, scale]) => ({ name, type: { declaration }, scale })),
    );
  }
  rows(from: number, to: number): void {
    for (let id = from; id <= to; id++) this.emit('row', [id, `${id}.5`, id / 100]);
  }
}

function open(timeoutMs?: number): { request: FakeRequest; cursor: MssqlCursor } {
  const request = new FakeRequest();
  return { request, cursor: new MssqlCursor(request as unknown as sql.Request, timeoutMs) };
}

describe('SQL Server cursor', () => {
  it('knows its columns from the first result set and maps values per column', async () => {
    const { request, cursor } = open();
    request.recordset(['id', 'int'], ['name', 'nvarchar'], ['amount', 'decimal', 2]);
    await cursor.opened;
    expect(cursor.columns).toEqual(['id', 'name', 'amount']);
    request.rows(1, 2);
    request.emit('done');
    expect(await cursor.read(10)).toEqual([
      { id: 1, name: '1.5', amount: '0.01' },
      { id: 2, name: '2.5', amount: '0.02' },
    ]);
    expect(await cursor.read(10)).toEqual([]);
  });

  it('pauses the stream when its buffer is full and resumes it when read', async () => {
    const { request, cursor } = open();
    request.recordset(['id', 'int'], ['name', 'nvarchar'], ['amount', 'float']);
    await cursor.opened;
    request.rows(1, 1000);
    expect(request.paused).toBe(true);
    const first = await cursor.read(400);
    expect(first.map((r) => r.id)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    // 600 rows still buffered, more than the 400 asked for: the stream stays paused.
    expect(request.paused).toBe(true);
    // The next read waits for rows that have not arrived yet.
    const pending = cursor.read(700);
    request.rows(1001, 1100);
    request.emit('done');
    const second = await pending;
    expect(second[0]?.id).toBe(401);
    expect(second.at(-1)?.id).toBe(1100);
  });

  it('rejects the open with the database error, mapped', async () => {
    const { request, cursor } = open();
    request.emit('error', Object.assign(new Error("Invalid object name 'nope'."), { number: 208 }));
    request.emit('done');
    await expect(cursor.opened).rejects.toThrow(InvalidQueryError);
    await expect(cursor.opened).rejects.toThrow("Invalid object name 'nope'. (208)");
  });

  it('fails the next read when the stream fails midway', async () => {
    const { request, cursor } = open();
    request.recordset(['id', 'int'], ['name', 'nvarchar'], ['amount', 'float']);
    await cursor.opened;
    request.rows(1, 3);
    request.emit('error', Object.assign(new Error('Divide by zero error encountered.'), { number: 8134 }));
    await expect(cursor.read(10)).rejects.toThrow('Divide by zero');
  });

  it('opens a statement without a result set with no columns', async () => {
    const { request, cursor } = open();
    request.emit('done');
    await cursor.opened;
    expect(cursor.columns).toEqual([]);
    expect(await cursor.read(10)).toEqual([]);
  });

  it('reads only the first result set', async () => {
    const { request, cursor } = open();
    request.recordset(['id', 'int'], ['name', 'nvarchar'], ['amount', 'float']);
    await cursor.opened;
    request.rows(1, 2);
    request.recordset(['other', 'int']);
    request.emit('row', [99]);
    request.emit('done');
    expect((await cursor.read(10)).map((r) => r.id)).toEqual([1, 2]);
  });

  it('cancels an unfinished request on close, and closes twice safely', async () => {
    const { request, cursor } = open();
    request.recordset(['id', 'int'], ['name', 'nvarchar'], ['amount', 'float']);
    await cursor.opened;
    request.rows(1, 5);
    const closing = cursor.close();
    expect(request.canceled).toBe(true);
    request.emit('error', Object.assign(new Error('Canceled.'), { code: 'ECANCEL' }));
    request.emit('done');
    await closing;
    await cursor.close();
    expect(await cursor.read(10)).toEqual([]);
  });
});
