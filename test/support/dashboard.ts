import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../core/paths';

export const DASHBOARD_FILE = path.join(PROJECT_ROOT, 'docker', 'grafana', 'pstt-dashboard.json');
export const PROMETHEUS_FILE = path.join(PROJECT_ROOT, 'docker', 'prometheus', 'prometheus.yml');

export interface DashboardQuery {
  panel: string;
  expr: string;
  datasourceUid: string | undefined;
}

/** Every query of docker/grafana/pstt-dashboard.json, with its panel's title. */
export function dashboardQueries(): DashboardQuery[] {
  const dashboard = JSON.parse(fs.readFileSync(DASHBOARD_FILE, 'utf8')) as {
    panels: Array<{ title: string; targets?: Array<{ expr: string; datasource?: { uid?: string } }> }>;
  };
  return dashboard.panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr, datasourceUid: t.datasource?.uid })),
  );
}

/** PromQL words that are not metric names. */
const KEYWORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
]);

/** The metric names a PromQL expression reads: identifiers that are neither functions, keywords nor label names. */
export function metricNamesOf(expr: string): string[] {
  const bare = expr
    .replace(/\{[^}]*\}/g, ' ') // label matchers
    .replace(/\b(by|without|on|ignoring)\s*\([^)]*\)/g, ' ') // grouping labels
    .replace(/"[^"]*"/g, ' ')
    .replace(/\[[^\]]*\]/g, ' '); // range durations
  const names = [...bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
    .filter((m) => !m[2]) // a function call
    .map((m) => m[1]!)
    .filter((w) => !KEYWORDS.has(w));
  return [...new Set(names)];
}
