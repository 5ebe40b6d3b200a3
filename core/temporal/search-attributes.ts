import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes set on every export run, so that history and running runs are
 * queries on Temporal visibility. `devstack` registers them on the dev server; on a cluster,
 * register them once with `temporal operator search-attribute create`.
 */
export const SCHEDULING_NAME = defineSearchAttributeKey('PsttScheduling', SearchAttributeType.KEYWORD);
export const EXPORT_FORMAT = defineSearchAttributeKey('PsttExportFormat', SearchAttributeType.KEYWORD);
/** The run's scheduled time, for finding the previous successful run (`:last_success_time`). */
export const SCHEDULED_TIME = defineSearchAttributeKey('PsttScheduledTime', SearchAttributeType.DATETIME);

/** Set by Temporal on runs started by a schedule. */
export const TEMPORAL_SCHEDULED_START_TIME = defineSearchAttributeKey(
  'TemporalScheduledStartTime',
  SearchAttributeType.DATETIME,
);

export const CUSTOM_SEARCH_ATTRIBUTES = [SCHEDULING_NAME, EXPORT_FORMAT, SCHEDULED_TIME];

/** The type names the Temporal CLI's `--search-attribute Name=Type` takes. */
export const CLI_TYPE_NAMES: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
};
