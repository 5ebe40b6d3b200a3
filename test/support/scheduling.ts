import {
  checkedSchedulingSchema,
  isFileScheduling,
  isKafkaScheduling,
  type FileScheduling,
  type KafkaScheduling,
  type Scheduling,
  type SchedulingInput,
} from '../../core/scheduling';

/** A scheduling with the model's defaults filled in, as temporal.yaml or the API would produce it. */
export function makeScheduling(input: SchedulingInput): Scheduling {
  return checkedSchedulingSchema.parse(input);
}

/** The same, for code given a Kafka export's scheduling (one destination). */
export function makeKafkaScheduling(input: SchedulingInput): KafkaScheduling {
  const scheduling = makeScheduling(input);
  if (!isKafkaScheduling(scheduling)) throw new Error(`not a Kafka scheduling: ${scheduling.name}`);
  return scheduling;
}

/** The same, for code given a CSV or Excel export's scheduling (one destination). */
export function makeFileScheduling(input: SchedulingInput): FileScheduling {
  const scheduling = makeScheduling(input);
  if (!isFileScheduling(scheduling)) throw new Error(`not a file scheduling: ${scheduling.name}`);
  return scheduling;
}

/** A Kafka export of the `orders` source whose runs fail for good at their first attempt: its query names no table. */
export function failingKafkaScheduling(name: string): Scheduling {
  return makeScheduling({
    name,
    schedule: { every: '1h' },
    source: 'orders',
    query: 'SELECT nope FROM nowhere',
    export_format: 'kafka',
    retry: { max_attempts: 1 },
    kafka_config: { topic: 'pstt-unused' },
  });
}
