import { checkedSchedulingSchema, type Scheduling, type SchedulingInput } from '../../core/scheduling';

/** A scheduling with the model's defaults filled in, as temporal.yaml or the API would produce it. */
export function makeScheduling(input: SchedulingInput): Scheduling {
  return checkedSchedulingSchema.parse(input);
}
