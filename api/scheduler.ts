import type { Client } from '@temporalio/client';
import type { AppConfig } from '../core/config';
import type { GateConfig } from '../core/scheduling-gate';
import { TemporalLink } from '../core/temporal/temporal-link';
import { RunHistory } from './run-history';
import { ScheduleStore } from './schedule-store';

/** What `/api/scheduler/*` reads and changes, all through one link to Temporal (whose state `/healthz` reports). */
export interface SchedulerDeps {
  temporal: TemporalLink;
  schedules: ScheduleStore;
  runs: RunHistory;
}

export function schedulerDeps(
  client: Client,
  config: Pick<AppConfig, 'temporal' | 'sources' | 'api'> & GateConfig,
): SchedulerDeps {
  const temporal = new TemporalLink(client, config.temporal.address);
  return { temporal, schedules: new ScheduleStore(temporal, config), runs: new RunHistory(temporal, config) };
}
