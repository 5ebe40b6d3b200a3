/**
 * `pstt preview NAME`: what a scheduling would export, without exporting anything. NAME is looked up
 * in the config file's schedulings, else among the Temporal Schedules (a scheduling saved from the API
 * or the UI). Prints the columns, the first messages (or file lines) and every problem; exit code 0
 * without problems, 1 with some, 2 for a bad invocation.
 */
import { ScheduleNotFoundError } from '@temporalio/client';
import { loadRuntimeConfig, type AppConfig } from '../core/config';
import { InvalidOptionError, SchedulingRefusedError } from '../core/errors';
import type { ExportJobInput } from '../core/job';
import { createKafka } from '../core/kafka/client';
import { SchedulingPreviewer } from '../core/preview/previewer';
import { PREVIEW_ROWS_DEFAULT, PREVIEW_ROWS_MAX, type SchedulingPreview } from '../core/preview/scheduling-preview';
import { scheduleIdOf } from '../core/temporal/naming';
import { type Scheduling } from '../core/scheduling';
import { connectTemporalClient } from '../core/temporal/client';
import { parseOptions } from './cli-options';

export const PREVIEW_USAGE = `pstt preview NAME [config-file] [--rows N (1-${PREVIEW_ROWS_MAX}, default ${PREVIEW_ROWS_DEFAULT})] [--json]`;

/** The scheduling called `name`: the config file's, else the one saved in Temporal. */
async function findScheduling(config: AppConfig, name: string): Promise<Scheduling> {
  const declared = config.schedulings.find((s) => s.name === name);
  if (declared) return declared;
  const client = await connectTemporalClient(config.temporal);
  try {
    const description = await client.schedule.getHandle(scheduleIdOf(name)).describe();
    const input =
      description.action.type === 'startWorkflow'
        ? (description.action.args?.[0] as ExportJobInput | undefined)
        : undefined;
    if (input?.scheduling) return input.scheduling;
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  } finally {
    await client.connection.close();
  }
  throw new InvalidOptionError('NAME', 'a scheduling of the config file or saved in Temporal', JSON.stringify(name));
}

function rowsOption(value: string | undefined): number {
  if (value === undefined) return PREVIEW_ROWS_DEFAULT;
  const rows = Number(value);
  if (!Number.isInteger(rows) || rows < 1 || rows > PREVIEW_ROWS_MAX) {
    throw new InvalidOptionError('--rows', `an integer from 1 to ${PREVIEW_ROWS_MAX}`, JSON.stringify(value));
  }
  return rows;
}

/** The preview as text for a terminal. */
export function formatPreview(p: SchedulingPreview): string {
  const lines: string[] = [];
  const estimate =
    p.estimated_rows === null ? 'no estimate' : `about ${p.estimated_rows} rows in all (planner estimate)`;
  lines.push(
    `preview of ${p.scheduling}: source ${p.source}${p.dialect ? ` (${p.dialect})` : ''}, ${p.export_format}; ${p.rows_sampled} of ${p.limit} rows read, ${estimate}`,
  );
  if (p.columns.length) lines.push(`columns: ${p.columns.map((c) => `${c.name} ${c.type}`).join(', ')}`);
  if (p.topic) {
    const partitions = p.topic.partitions === null ? 'not created yet' : `${p.topic.partitions} partitions`;
    lines.push(`topic ${p.topic.name}: ${partitions}, max.message.bytes ${p.topic.max_message_bytes}`);
  }
  p.messages?.forEach((m, i) => {
    const partition = m.partition === null ? 'partition chosen per send' : `partition ${m.partition}`;
    lines.push(
      `message ${i + 1}: key ${m.key === null ? 'null' : JSON.stringify(m.key)}, ${partition}, ${m.bytes} bytes`,
    );
    if (Object.keys(m.headers).length) lines.push(`  headers ${JSON.stringify(m.headers)}`);
    lines.push(`  ${m.value}`);
  });
  if (p.largest_message) {
    const limit = p.largest_message.max_message_bytes;
    const verdict =
      limit === null ? 'topic limit unknown' : `${p.largest_message.fits ? 'fits' : 'OVER'} the topic's ${limit}`;
    lines.push(`largest message: ${p.largest_message.bytes} bytes (${verdict})`);
  }
  if (p.file?.format === 'csv')
    lines.push(
      'csv:',
      ...p.file.text
        .replace(/\n$/, '')
        .split('\n')
        .map((l) => `  ${l}`),
    );
  if (p.file?.format === 'excel') {
    lines.push(
      `excel sheet ${p.file.sheet}:`,
      `  ${p.file.header.join(' | ')}`,
      ...p.file.rows.map((r) => `  ${r.map((v) => (v === null ? '' : String(v))).join(' | ')}`),
    );
  }
  if (p.problems.length) {
    lines.push(`problems (${p.problems.length}):`, ...p.problems.map((x) => `  ${x.field}: ${x.message}`));
  } else {
    lines.push('no problems found');
  }
  return `${lines.join('\n')}\n`;
}

export async function previewCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(
    args,
    { rows: { type: 'string' }, json: { type: 'boolean', default: false } },
    PREVIEW_USAGE,
  );
  const [name, file] = positionals;
  if (!name) throw new InvalidOptionError('NAME', PREVIEW_USAGE, 'nothing');
  const rows = rowsOption(values.rows);
  // Only the previewed scheduling's source needs its password: the others' may be unset here.
  const { app: config, secrets } = loadRuntimeConfig(file, process.env, { secrets: ['kafka'] });
  const scheduling = await findScheduling(config, name);
  const kafka = createKafka(config.kafka, config.baseDir, secrets.kafkaSaslPassword);
  const previewer = new SchedulingPreviewer(config, kafka, secrets.sourcePasswords);
  try {
    const preview = await previewer.preview(scheduling, rows);
    process.stdout.write(values.json ? `${JSON.stringify(preview, null, 2)}\n` : formatPreview(preview));
    return preview.problems.length ? 1 : 0;
  } catch (err) {
    // A scheduling saved by an older PSTT, or a source since removed: every field the gate refuses.
    if (!(err instanceof SchedulingRefusedError)) throw err;
    process.stdout.write(`${err.problems.map((p) => `${p.path}: ${p.message}`).join('\n')}\n`);
    return 1;
  } finally {
    await previewer.close();
  }
}
