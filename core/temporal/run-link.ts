import type { AppConfig } from '../config';

/** The page of one workflow run in the Temporal Web UI (the run's id picks one run of a reused workflow id). */
export function runLinkOf(
  temporal: Pick<AppConfig['temporal'], 'web_ui' | 'namespace'>,
  workflowId: string,
  runId?: string,
): string {
  const base = `${temporal.web_ui.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}
