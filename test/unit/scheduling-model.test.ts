import { RUNS_ON_FILE, RUNS_ON_KAFKA } from '../../activities/run-gate';
import { hostPortSchema } from '../../core/field-schemas';
import {
  checkedSchedulingSchema,
  isFileScheduling,
  isKafkaScheduling,
  schedulingFieldsSchema,
  type SchedulingInput,
} from '../../core/scheduling';
import { sinksOf } from '../../core/sinks/sinks';

const base = { name: 'orders', schedule: { every: '1h' }, source: 'main', query: 'SELECT id FROM orders' } as const;
const kafka: SchedulingInput = { ...base, export_format: 'kafka', kafka_config: { topic: 'orders' } };
const csv: SchedulingInput = { ...base, export_format: 'csv', file_config: { output_dir: 'out' } };
const sinks: SchedulingInput = {
  ...base,
  export_format: 'csv',
  sinks: [{ kafka_config: { topic: 'orders' } }, { format: 'csv', file_config: { output_dir: 'out' } }],
};

function problemsOf(input: unknown): { path: string; message: string }[] {
  const result = checkedSchedulingSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
}

describe('the scheduling model as a union on export_format (and sinks)', () => {
  it('types each form as its variant, so that an export is given the config it runs with', () => {
    const one = checkedSchedulingSchema.parse(kafka);
    expect(isKafkaScheduling(one) && one.kafka_config.topic).toBe('orders');
    expect(isFileScheduling(one)).toBe(false);
    const file = checkedSchedulingSchema.parse(csv);
    expect(isFileScheduling(file) && file.file_config.output_dir).toBe('out');
    expect(RUNS_ON_KAFKA.accepts(file)).toBe(false);
    const several = checkedSchedulingSchema.parse(sinks);
    expect([RUNS_ON_KAFKA.accepts(several), RUNS_ON_FILE.accepts(several)]).toEqual([false, false]);
    expect(sinksOf(several).map((s) => (s.format === 'kafka' ? s.kafka.topic : s.file.output_dir))).toEqual([
      'orders',
      'out',
    ]);
  });

  it('gives back the JSON the fields alone give (stored schedules and histories keep their shape)', () => {
    // A Kafka scheduling that also carries a file_config was accepted before the union: it still is, unchanged.
    const both = { ...kafka, file_config: { output_dir: 'out' } };
    for (const input of [kafka, csv, sinks, both]) {
      expect(JSON.stringify(checkedSchedulingSchema.parse(input))).toBe(
        JSON.stringify(schedulingFieldsSchema.parse(input)),
      );
    }
  });

  it('names the missing or misplaced section, as before', () => {
    expect(problemsOf({ ...kafka, kafka_config: undefined })).toEqual([
      { path: 'kafka_config', message: 'required when export_format is "kafka"' },
    ]);
    expect(problemsOf({ ...csv, file_config: undefined, export_format: 'excel' })).toEqual([
      { path: 'file_config', message: 'required when export_format is "excel"' },
    ]);
    expect(problemsOf({ ...sinks, kafka_config: { topic: 'orders' } })).toEqual([
      { path: 'kafka_config', message: 'not allowed with sinks: give it inside a sink' },
    ]);
    expect(problemsOf({ ...kafka, export_format: 'pdf' })).toEqual([
      { path: 'export_format', message: 'Invalid option: expected one of "kafka"|"csv"|"excel"' },
    ]);
  });
});

describe('host:port, shared by temporal.yaml and POST /api/kafka/test', () => {
  it('takes a host name or IPv4 address and a port, nothing else', () => {
    for (const ok of ['127.0.0.1:9092', 'kafka-1.example.com:9093', 'broker_1:9092'])
      expect(hostPortSchema.safeParse(ok).success).toBe(true);
    for (const bad of ['no-port', 'http://k:9092', 'a b:1', 'k1:9092,k2:9092', '[::1]:9092'])
      expect(hostPortSchema.safeParse(bad).error?.issues[0]?.message).toBe('expected host:port');
  });
});
