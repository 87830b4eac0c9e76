// The error model of SPEC §4. Whatever fails under /api — body parser, router, validation,
// policy, database, a bug — ends up as one HttpError and is sent as the error object:
//   {"error": "Not Found", "error_detail": "…", "code": 404, "fields"?: {name: [message]}}
import { STATUS_CODES } from 'node:http';
import type { ZodError } from 'zod';

export type FieldErrors = Record<string, string[]>;

export interface ErrorBody {
  error: string;
  error_detail: string;
  code: number;
  fields?: FieldErrors;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly options: { fields?: FieldErrors; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = 'HttpError';
  }

  get body(): ErrorBody {
    return errorBody(this.status, this.detail, this.options.fields);
  }
}

export function errorBody(status: number, detail: string, fields?: FieldErrors): ErrorBody {
  return { error: STATUS_CODES[status] ?? 'Error', error_detail: detail, code: status, ...(fields ? { fields } : {}) };
}

export const NOT_FOUND_DETAIL = 'The record you requested could not be found.';

export function notFound(detail = NOT_FOUND_DETAIL): HttpError {
  return new HttpError(404, detail);
}

export function forbidden(detail = 'You may see this record but not change it.'): HttpError {
  return new HttpError(403, detail);
}

export function validationFailed(fields: FieldErrors, detail = 'Some fields are not valid.'): HttpError {
  return new HttpError(400, detail, { fields });
}

export function conflict(detail: string): HttpError {
  return new HttpError(409, detail);
}

/** 412: an `If-Match` that names a version the record no longer has (http/conditional.ts). */
export function preconditionFailed(
  detail = 'The record changed since you read it: fetch it again, then repeat your change.',
): HttpError {
  return new HttpError(412, detail);
}

/** 429 with `Retry-After` (whole seconds, at least 1): when trying again can succeed. */
export function tooManyRequests(detail: string, retryAfterSeconds: number): HttpError {
  return new HttpError(429, detail, {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });
}

/**
 * A zod failure as a 400 with `fields`; unknown keys are named one by one. Field names come
 * from the client (`?constructor=1`, `{"__proto__": 1}`), so they are collected in a Map, never
 * looked up on a plain object (whose prototype answers `constructor`, `toString`, …), and turned
 * into own properties by Object.fromEntries (which defines `__proto__` as an ordinary key).
 */
export function fromZodError(error: ZodError, detail?: string): HttpError {
  const byName = new Map<string, string[]>();
  const add = (name: string, message: string) => {
    const messages = byName.get(name);
    if (messages) messages.push(message);
    else byName.set(name, [message]);
  };
  for (const issue of error.issues) {
    const base = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) add(base ? `${base}.${key}` : key, 'is not a field that can be set here');
    } else {
      add(base || 'body', issue.message);
    }
  }
  return validationFailed(Object.fromEntries(byName), detail);
}

// --- Translating what other code throws ---------------------------------------------------

const RETRY_AFTER_SECONDS = '5';

function unavailable(
  cause: unknown,
  detail = 'The service is temporarily unavailable. Please retry shortly.',
): HttpError {
  return new HttpError(503, detail, { headers: { 'Retry-After': RETRY_AFTER_SECONDS }, cause });
}

/** PostgreSQL errors (pg and PGlite both carry the SQLSTATE in `code`). */
function fromSqlState(sqlState: string, cause: unknown): HttpError | undefined {
  switch (sqlState) {
    case '23505':
      return new HttpError(409, 'A record with these values already exists.', { cause });
    case '23503':
      return new HttpError(
        409,
        'The change refers to a record that does not exist, or one that others still refer to.',
        { cause },
      );
    case '23502':
    case '23514':
    case '22001':
    case '22003':
    case '22007':
    case '22008':
    case '22009': // a time zone offset out of range
    case '22P02':
    case '22021': // a NUL character in text
    case '22P05': // a NUL character in jsonb
      return new HttpError(400, 'A value is not valid for this record.', { cause });
    case '40001':
    case '40P01':
      return unavailable(cause, 'The change collided with another one. Please retry.');
    case '25006': // read-only transaction: the database is failing over
    case '53300':
    case '57014': // query cancelled
    case '57P01':
    case '57P02':
    case '57P03':
      return unavailable(cause);
    default:
      return sqlState.startsWith('08') ? unavailable(cause) : undefined;
  }
}

const NETWORK_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

// body-parser failures, by their `type`.
function fromBodyParser(type: string, cause: unknown): HttpError | undefined {
  switch (type) {
    case 'entity.parse.failed':
      return new HttpError(400, 'The request body is not valid JSON.', { cause });
    case 'entity.too.large':
      return new HttpError(413, 'The request body is larger than 100 kB.', { cause });
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpError(415, 'The request body must be UTF-8 encoded JSON.', { cause });
    case 'request.aborted':
    case 'request.size.invalid':
    case 'stream.encoding.set':
      return new HttpError(400, 'The request body could not be read.', { cause });
    default:
      return undefined;
  }
}

/** Maps anything thrown to an HttpError; what it does not recognise is a 500. */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  const e = (error ?? {}) as { code?: unknown; type?: unknown; name?: unknown; message?: unknown };
  if (typeof e.type === 'string') {
    const mapped = fromBodyParser(e.type, error);
    if (mapped) return mapped;
  }
  // Client errors raised by middleware (csrf-sync, body-parser's content encodings, the
  // router's malformed %-escapes) keep their status; their message only when meant for users.
  const status = (error as { status?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const exposed = (error as { expose?: unknown }).expose === true && typeof e.message === 'string';
    return new HttpError(
      status,
      exposed ? (e.message as string) : `The request was refused (${STATUS_CODES[status] ?? status}).`,
      { cause: error },
    );
  }
  if (typeof e.code === 'string') {
    if (/^[0-9A-Z]{5}$/.test(e.code)) {
      const mapped = fromSqlState(e.code, error);
      if (mapped) return mapped;
    }
    if (NETWORK_ERROR_CODES.has(e.code)) return unavailable(error);
  }
  // A pool that cannot hand out a connection, or pg's connection failures that carry no code.
  if (
    e.name === 'KnexTimeoutError' ||
    (typeof e.message === 'string' &&
      /^(Connection terminated|Client has encountered a connection error)/.test(e.message))
  ) {
    return unavailable(error);
  }
  return new HttpError(500, 'Something went wrong on our side. The error has been logged.', { cause: error });
}
