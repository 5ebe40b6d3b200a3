import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes set on every export run, so that history and running runs are
 * queries on Temporal visibility. `devstack` registers them on the dev server.
 */
export const SCHEDULING_NAME = defineSearchAttributeKey('PsttScheduling', SearchAttributeType.KEYWORD);
export const EXPORT_FORMAT = defineSearchAttributeKey('PsttExportFormat', SearchAttributeType.KEYWORD);

export const CUSTOM_SEARCH_ATTRIBUTES = [SCHEDULING_NAME, EXPORT_FORMAT];
