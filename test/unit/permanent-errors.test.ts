import { ApplicationFailure } from '@temporalio/activity';
import { DefaultLogger } from '@temporalio/worker';
import { MockActivityEnvironment } from '@temporalio/testing';
import express from 'express';
import request from 'supertest';
import { failPermanentErrors } from '../../activities/non-retryable';
import { jsonErrorHandler } from '../../api/http-errors';
import { fromTransferred, toTransferred } from '../../core/error-transfer';
import * as errors from '../../core/errors';
import {
  CheckpointLostError,
  ConfigError,
  formatProblem,
  KafkaSendError,
  KafkaSendTimeoutError,
  OutputFileExistsError,
  PermanentError,
  ProducerFencedError,
  QueryTimeoutError,
  ResumeKeyError,
  SchedulingRefusedError,
} from '../../core/errors';

/** The classes whose errors were never retried before the class decided it: the same set, no more, no fewer. */
const PERMANENT = [
  'ConfigError',
  'UnsupportedSourceError',
  'UnknownSourceError',
  'MissingKeyFieldError',
  'ResumeKeyError',
  'TopicNotFoundError',
  'MessageTooLargeError',
  'KafkaMessageTooLargeError',
  'RowTooLargeError',
  'RowSerializationError',
  'InvalidFileNameError',
  'InvalidTimeZoneError',
  'FileValueError',
  'QueryParameterError',
  'InvalidQueryError',
  'NotAQueryError',
  'DuplicateColumnError',
  'MissingPasswordError',
  'SchedulingRefusedError',
];

/** The names of the error classes core/errors.ts exports that extend PermanentError. */
function permanentClassNames(): string[] {
  return Object.entries(errors as Record<string, unknown>)
    .filter(([, value]) => typeof value === 'function' && value.prototype instanceof PermanentError)
    .map(([name]) => name);
}

function quietEnvironment(attempt = 1): MockActivityEnvironment {
  return new MockActivityEnvironment({ attempt }, { logger: new DefaultLogger('ERROR') });
}

describe('PermanentError', () => {
  it('is the base of exactly the errors retrying cannot fix', () => {
    const permanent = permanentClassNames();
    expect(permanent.sort()).toEqual([...PERMANENT].sort());
  });

  it('leaves transient errors retryable', () => {
    for (const err of [
      new KafkaSendTimeoutError('t', 1_000),
      new KafkaSendError('t', 'broker down'),
      new CheckpointLostError(30_000, 20_000),
      new ProducerFencedError('tx', 'fenced'),
      new QueryTimeoutError(300, 'canceled'),
      new OutputFileExistsError('/out/a.csv', 99),
    ]) {
      expect(err).not.toBeInstanceOf(PermanentError);
    }
  });

  it('names an error by its class and gives it a code', () => {
    const err = new ResumeKeyError('orders', ['id'], 'is not unique');
    expect(err.name).toBe('ResumeKeyError');
    expect(err.code).toBe('unusable_resume_key');
    expect(err.status).toBeUndefined();
  });

  it('stays a PermanentError after crossing a thread boundary', () => {
    const back = fromTransferred(structuredClone(toTransferred(new ResumeKeyError('orders', ['id'], 'is null'))));
    expect(back).toBeInstanceOf(ResumeKeyError);
    expect(back).toBeInstanceOf(PermanentError);
    expect(back).toMatchObject({ name: 'ResumeKeyError', code: 'unusable_resume_key', columns: ['id'] });
  });
});

describe('ConfigError', () => {
  it('keeps its problems as fields and shows each as a line of its message', () => {
    const err = new ConfigError('invalid configuration', [
      { path: 'worker.max_concurrent_exports', message: 'expected a number from 1 to 64, got 0' },
      { path: '', message: 'expected an object' },
    ]);
    expect(err.summary).toBe('invalid configuration');
    expect(err.problems.map(formatProblem)).toEqual([
      'worker.max_concurrent_exports: expected a number from 1 to 64, got 0',
      '(root): expected an object',
    ]);
    expect(err.message).toBe(
      'invalid configuration:\n  - worker.max_concurrent_exports: expected a number from 1 to 64, got 0\n' +
        '  - (root): expected an object',
    );
    expect(new ConfigError('cannot read config file x.yaml').message).toBe('cannot read config file x.yaml');
  });
});

describe('failPermanentErrors', () => {
  it('makes a PermanentError a non-retryable failure of its type, with the attempt', async () => {
    const failing = failPermanentErrors(async () => {
      throw new ResumeKeyError('orders', ['id'], 'is not unique');
    });
    const failure = await quietEnvironment(3)
      .run(failing)
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({
      type: 'ResumeKeyError',
      nonRetryable: true,
      message: 'scheduling "orders": resume_key (id) is not unique',
      details: [{ attempt: 3 }],
    });
    expect((failure as ApplicationFailure).cause).toBeInstanceOf(ResumeKeyError);
  });

  it('keeps any other error retryable, under its own name', async () => {
    const failing = failPermanentErrors(async () => {
      throw new KafkaSendError('t', 'broker down');
    });
    await expect(quietEnvironment().run(failing)).rejects.toMatchObject({
      type: 'KafkaSendError',
      nonRetryable: false,
      message: 'send to topic "t" failed: broker down',
    });
  });

  it('passes an ApplicationFailure through unchanged', async () => {
    const own = ApplicationFailure.create({ type: 'Own', message: 'own failure', nonRetryable: true });
    const failing = failPermanentErrors(async () => {
      throw own;
    });
    await expect(quietEnvironment().run(failing)).rejects.toBe(own);
  });
});

describe('the API answers a PermanentError by its class', () => {
  function answerTo(err: Error) {
    const app = express();
    app.get('/', () => {
      throw err;
    });
    app.use(jsonErrorHandler);
    return request(app).get('/');
  }

  it('a refused scheduling is a 400 naming each field', async () => {
    const res = await answerTo(new SchedulingRefusedError('orders', [{ path: 'source', message: 'not declared' }]));
    expect(res.status).toBe(400);
    expect(res.text).toBe(
      '{"error":"invalid_request","message":"the request is not valid","details":[{"path":"source","message":"not declared"}]}',
    );
  });

  it('a ConfigError is a 400 with its summary and its problems as they are', async () => {
    const single = await answerTo(
      new ConfigError('source url "mssql://h/db": expected mssql://user@host:port/database'),
    );
    expect(single.status).toBe(400);
    expect(single.text).toBe(
      '{"error":"invalid_request","message":"source url \\"mssql://h/db\\": expected mssql://user@host:port/database","details":[]}',
    );
    const listed = await answerTo(
      new ConfigError('invalid SMTP settings', [{ path: 'SMTP_PORT', message: 'expected a port: 1, got "x:y"' }]),
    );
    expect(listed.status).toBe(400);
    expect(listed.body).toEqual({
      error: 'invalid_request',
      message: 'invalid SMTP settings',
      details: [{ path: 'SMTP_PORT', message: 'expected a port: 1, got "x:y"' }],
    });
  });

  it('a PermanentError without a status is a 500 that shows nothing of it', async () => {
    const res = await answerTo(new ResumeKeyError('orders', ['id'], 'is null'));
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: 'internal', message: 'internal error; see the API log' });
  });

  it('a PermanentError with a status answers it, its code the error', async () => {
    class Teapot extends PermanentError {
      readonly code = 'teapot';
      override readonly status = 418;
    }
    const res = await answerTo(new Teapot('short and stout'));
    expect(res.status).toBe(418);
    expect(res.text).toBe('{"error":"teapot","message":"short and stout"}');
  });
});
