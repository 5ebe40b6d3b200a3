import { checkedSchedulingSchema, type Scheduling, type SchedulingInput } from '../../core/scheduling';

/** A scheduling with the model's defaults filled in, as temporal.yaml or the API would produce it. */
export function makeScheduling(input: SchedulingInput): Scheduling {
  return checkedSchedulingSchema.parse(input);
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
