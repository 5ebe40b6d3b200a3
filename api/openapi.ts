import fs from 'node:fs';
import path from 'node:path';
import type { RequestHandler } from 'express';
import { z } from 'zod';
import { PROJECT_ROOT } from '../core/paths';
import { checkedSchedulingSchema } from '../core/scheduling';
import type { Role } from './contract';
import { kafkaTestSchema } from './kafka-test';
import { alertsQuery } from './routes/alerts-routes';
import { sendSchema } from './routes/kafka-routes';
import { cleanupQuery, hourlyQuery, summaryQuery } from './routes/metrics-routes';
import { backfillBody, historyQuery, nameParam, noteBody, previewQuery } from './routes/scheduler-routes';

/**
 * The REST API's OpenAPI 3.1 document, served at `/api/openapi.json`. Request shapes come from the
 * same zod schemas the routes parse with (JSON Schema 2020-12, which OpenAPI 3.1 uses as is), so the
 * document cannot drift from what the API accepts. Responses are described by status and shape:
 * every error is `{error, message, ...}` (api/http-errors.ts).
 */

type Method = 'get' | 'post' | 'put' | 'delete';

interface Operation {
  method: Method;
  path: string;
  summary: string;
  /** The least role that may call it; none for the open routes. */
  role?: Role;
  query?: z.ZodObject;
  body?: z.ZodType;
  /** Success status, then the error statuses this route can answer besides the common ones. */
  ok: number;
  errors?: number[];
  /** Media type of the success body. @default "application/json" */
  okType?: string;
}

const name = { path: nameParam };
const TEMPORAL = [503];

const OPERATIONS: Array<Operation & { params?: { path: z.ZodObject } }> = [
  { method: 'get', path: '/healthz', summary: 'Liveness: the process serves HTTP', ok: 200 },
  {
    method: 'get',
    path: '/api/kafka/health',
    summary: 'Kafka connection status (error texts with a token only)',
    ok: 200,
    errors: [503],
  },
  {
    method: 'post',
    path: '/api/kafka/test',
    summary: 'Tests a connection to a Kafka cluster',
    role: 'admin',
    body: kafkaTestSchema,
    ok: 200,
    errors: [429],
  },
  {
    method: 'post',
    path: '/api/kafka/send',
    summary: 'Sends one message',
    role: 'admin',
    body: sendSchema,
    ok: 200,
    errors: [404, 502, 503, 504],
  },
  {
    method: 'get',
    path: '/api/kafka/metrics/summary',
    summary: 'Sends, success rate and latency of a period',
    role: 'read',
    query: summaryQuery,
    ok: 200,
  },
  {
    method: 'get',
    path: '/api/kafka/metrics/hourly',
    summary: 'Hourly figures',
    role: 'read',
    query: hourlyQuery,
    ok: 200,
  },
  {
    method: 'post',
    path: '/api/kafka/metrics/cleanup',
    summary: 'Deletes metrics older than N days',
    role: 'operate',
    query: cleanupQuery,
    ok: 200,
  },
  {
    method: 'get',
    path: '/api/kafka/metrics/prometheus',
    summary: 'Prometheus exposition',
    role: 'read',
    ok: 200,
    okType: 'text/plain',
  },
  {
    method: 'get',
    path: '/api/scheduler/scheduling',
    summary: 'Every scheduling',
    role: 'read',
    ok: 200,
    errors: TEMPORAL,
  },
  {
    method: 'post',
    path: '/api/scheduler/scheduling',
    summary: 'Creates a scheduling',
    role: 'admin',
    body: checkedSchedulingSchema,
    ok: 201,
    errors: [409, ...TEMPORAL],
  },
  {
    method: 'post',
    path: '/api/scheduler/scheduling/preview',
    summary: 'Previews a scheduling (saved or not): columns, first messages, problems; read-only',
    role: 'admin',
    query: previewQuery,
    body: checkedSchedulingSchema,
    ok: 200,
    errors: [503],
  },
  {
    method: 'get',
    path: '/api/scheduler/scheduling/{name}',
    summary: 'One scheduling',
    role: 'read',
    params: name,
    ok: 200,
    errors: [404, ...TEMPORAL],
  },
  {
    method: 'put',
    path: '/api/scheduler/scheduling/{name}',
    summary: 'Replaces a scheduling',
    role: 'admin',
    params: name,
    body: checkedSchedulingSchema,
    ok: 200,
    errors: [404, ...TEMPORAL],
  },
  {
    method: 'delete',
    path: '/api/scheduler/scheduling/{name}',
    summary: 'Deletes a scheduling',
    role: 'admin',
    params: name,
    ok: 204,
    errors: [404, ...TEMPORAL],
  },
  {
    method: 'post',
    path: '/api/scheduler/scheduling/{name}/enable',
    summary: 'Enables a scheduling',
    role: 'operate',
    params: name,
    body: noteBody,
    ok: 200,
    errors: [404, ...TEMPORAL],
  },
  {
    method: 'post',
    path: '/api/scheduler/scheduling/{name}/disable',
    summary: 'Disables a scheduling',
    role: 'operate',
    params: name,
    body: noteBody,
    ok: 200,
    errors: [404, ...TEMPORAL],
  },
  {
    method: 'post',
    path: '/api/scheduler/scheduling/{name}/run',
    summary: 'Runs a scheduling now',
    role: 'operate',
    params: name,
    ok: 202,
    errors: [404, 409, ...TEMPORAL],
  },
  {
    method: 'post',
    path: '/api/scheduler/scheduling/{name}/backfill',
    summary: 'Runs a scheduling for a past window',
    role: 'operate',
    params: name,
    body: backfillBody,
    ok: 202,
    errors: [404, ...TEMPORAL],
  },
  {
    method: 'get',
    path: '/api/scheduler/history',
    summary: 'Runs, newest first',
    role: 'read',
    query: historyQuery,
    ok: 200,
    errors: TEMPORAL,
  },
  {
    method: 'get',
    path: '/api/scheduler/running',
    summary: 'Runs in progress',
    role: 'read',
    ok: 200,
    errors: TEMPORAL,
  },
  {
    method: 'get',
    path: '/api/alerts',
    summary: 'Alert rules, their state and the alert log',
    role: 'read',
    query: alertsQuery,
    ok: 200,
  },
  { method: 'get', path: '/api/session', summary: "The token's role and the declared sources", role: 'read', ok: 200 },
];

/** A request shape as JSON Schema: what a client sends (defaults optional), durations and the like open. */
function schemaOf(schema: z.ZodType): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  // Embedded in the document, which declares its dialect once.
  delete json.$schema;
  return json;
}

const errorBody = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'string' }, message: { type: 'string' } },
};

const STATUS_TEXT: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No content',
  400: 'The request is not valid: `details` name each field',
  401: 'No token, or an unknown one',
  403: 'The token lacks the role',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'Request body over 1 MB',
  429: 'Too many calls',
  502: 'Kafka refused the send',
  503: 'A service this route needs is unavailable',
  504: 'Kafka did not answer in time',
};

function responsesOf(op: Operation): Record<string, unknown> {
  const statuses = new Set<number>(op.errors ?? []);
  if (op.role) [401, 403].forEach((s) => statuses.add(s));
  if (op.query || op.body || op.path.includes('{')) statuses.add(400);
  if (op.body) statuses.add(413);
  const responses: Record<string, unknown> = {};
  const okType = op.okType ?? 'application/json';
  responses[String(op.ok)] =
    op.ok === 204
      ? { description: STATUS_TEXT[204] }
      : {
          description: STATUS_TEXT[op.ok],
          content: { [okType]: { schema: okType === 'application/json' ? {} : { type: 'string' } } },
        };
  for (const status of [...statuses].sort()) {
    responses[String(status)] = {
      description: STATUS_TEXT[status],
      content: { 'application/json': { schema: errorBody } },
    };
  }
  return responses;
}

function parametersOf(op: Operation & { params?: { path: z.ZodObject } }): unknown[] {
  const params: unknown[] = [];
  const add = (where: 'path' | 'query', shape: z.ZodObject) => {
    const json = schemaOf(shape) as { properties?: Record<string, unknown>; required?: string[] };
    for (const [key, schema] of Object.entries(json.properties ?? {})) {
      params.push({ name: key, in: where, required: where === 'path' || (json.required ?? []).includes(key), schema });
    }
  };
  if (op.params) add('path', op.params.path);
  if (op.query) add('query', op.query);
  return params;
}

/** The document; built once per process (the schemas do not change at run time). */
export function openApiDocument(): Record<string, unknown> {
  const { version } = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
    version: string;
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters = parametersOf(op);
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      summary: op.summary,
      ...(op.role ? { security: [{ bearer: [] }], 'x-pstt-role': op.role } : { security: [] }),
      ...(parameters.length ? { parameters } : {}),
      ...(op.body
        ? {
            requestBody: {
              required: op.method === 'put' || op.body !== noteBody,
              content: { 'application/json': { schema: schemaOf(op.body) } },
            },
          }
        : {}),
      responses: responsesOf(op),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'PSTT export orchestrator API', version },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token of role read, operate or admin' },
      },
    },
    paths,
  };
}

/**
 * 405 with `Allow` for a method the document does not list on a path it does (TRACE /api/alerts, say),
 * instead of the catch-all 404, and OPTIONS answered with the same `Allow`. A concrete path wins over a
 * template it also matches, as OpenAPI resolves them: `/api/scheduler/scheduling/preview` takes POST
 * only, not the methods of `/scheduling/{name}` (the model reserves the name). HEAD is left to Express.
 */
export function rejectUndocumentedMethods(): RequestHandler {
  const allowed = new Map<string, { pattern: RegExp; concrete: boolean; methods: Set<string> }>();
  for (const op of OPERATIONS) {
    const entry = allowed.get(op.path) ?? {
      pattern: new RegExp(`^${op.path.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
      concrete: !op.path.includes('{'),
      methods: new Set<string>(),
    };
    entry.methods.add(op.method.toUpperCase());
    allowed.set(op.path, entry);
  }
  return (req, res, next) => {
    if (req.method === 'HEAD') return next();
    const matching = [...allowed.values()].filter((e) => e.pattern.test(req.path));
    if (matching.length === 0) return next();
    const concrete = matching.filter((e) => e.concrete);
    const methods = new Set<string>();
    for (const entry of concrete.length ? concrete : matching) entry.methods.forEach((m) => methods.add(m));
    if (methods.has('GET')) methods.add('HEAD');
    const allow = [...methods].sort().join(', ');
    if (req.method === 'OPTIONS') {
      res.status(204).set('Allow', allow).end();
      return;
    }
    if (methods.has(req.method)) return next();
    res
      .status(405)
      .set('Allow', allow)
      .json({ error: 'method_not_allowed', message: `${req.method} is not supported on ${req.path}` });
  };
}
