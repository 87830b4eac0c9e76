// The OpenAPI 3.1 document of /api, generated from the endpoints' docs (src/http/routes.ts):
// the same zod schemas that validate each request describe its parameters and body, and the
// presenters' views describe its responses. Errors every API request can meet (SPEC §4) are
// added here by rule, so each endpoint's doc names only its own.
import { z } from 'zod';
import type { Config } from '../../config';
import type { Method, RegisteredRoute, ResponseDoc } from '../../http/routes';
import { eventView } from '../v1/events/presenter';
import { groupView } from '../v1/groups/presenter';
import { ticketView } from '../v1/tickets/presenter';
import { aliasView } from '../v1/user_aliases/presenter';
import { userView } from '../v1/users/presenter';
import { namedViews } from '../v1/views';
import { componentRef, jsonSchemaOf, type JsonSchema } from './json-schema';

export const errorView = z.strictObject({
  error: z.string().meta({ description: 'The HTTP reason phrase of `code`.' }),
  error_detail: z.string().meta({ description: 'What happened, in words.' }),
  code: z.number().int(),
  fields: z
    .record(z.string(), z.array(z.string()))
    .optional()
    .meta({ description: 'Validation errors (400): messages by field name.' }),
});

const TAKES_BODY: Method[] = ['post', 'put', 'patch'];

const COMMON_ERRORS = {
  400:
    'Invalid query or body: `fields` names each problem ' +
    '(unknown and read-only fields too, and references to records you cannot use).',
  401: 'Missing, unknown, expired or revoked credentials.',
  403:
    'The token lacks the scope the method needs: `read` for GET, `write` for the others ' +
    '(`WWW-Authenticate` says which).',
  404: 'No such record, or not one you can see (a malformed id too).',
  406: '`Accept` excludes application/json.',
  413: 'The body is over 100 kB.',
  415: 'The body is not application/json.',
  429: 'Too many requests for this token: see `Retry-After`.',
  503: 'The database is unavailable: retry after `Retry-After` seconds.',
} as const;

/** Every authenticated POST takes a key (src/http/idempotency.ts); POST /api/authenticate does not. */
const IDEMPOTENCY = {
  parameter: {
    name: 'Idempotency-Key',
    in: 'header',
    required: false,
    description:
      'Makes a retry safe: the first request with a key (1 to 255 printable ASCII characters, e.g. a UUID) ' +
      'is done once, and for 24 hours a retry with the same key, path and body gets its response again ' +
      '(status, body, `Location`) with `Idempotent-Replayed: true`, changing nothing. Keys are yours alone. ' +
      'Only successes are kept: after an error, a retry with the key runs afresh.',
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[ -~]+$' },
  },
  replayed: {
    'Idempotent-Replayed': {
      description: '`true` on a response replayed for a repeated `Idempotency-Key`.',
      schema: { type: 'string', enum: ['true'] },
    },
  },
  errors: {
    400: 'An `Idempotency-Key` that is not 1 to 255 printable ASCII characters (`fields` names the header).',
    409: 'A request with the same `Idempotency-Key` is still in progress: retry once it has finished.',
    422: 'The `Idempotency-Key` was used in the last 24 hours for a different request (method, path or body).',
  },
} as const;

/**
 * Conditional requests (src/http/conditional.ts). A reply showing one of these views carries its
 * ETag (each presenter has a tag function for it: ticketTag, groupTag, …), and so does every
 * page of a list; the paths whose GET shows one take If-None-Match on GET and If-Match on
 * PUT, PATCH and DELETE. test/api/openapi.test.ts checks the headers are really sent.
 */
const VERSIONED_VIEWS: z.ZodType[] = [userView, aliasView, groupView, eventView, ticketView];

const CONDITIONAL = {
  etag: {
    ETag: {
      description:
        "A strong entity tag of this representation, derived from the records' versions (and, for a list, the " +
        'page and the query). Send it back in `If-None-Match` (GET) or `If-Match` (PUT, PATCH, DELETE).',
      schema: { type: 'string' },
    },
  },
  ifNoneMatch: {
    name: 'If-None-Match',
    in: 'header',
    required: false,
    description:
      'The ETag(s) you hold (or `*`): when one matches the current representation (weak comparison), the answer ' +
      'is 304 with no body.',
    schema: { type: 'string' },
  },
  ifMatch: {
    name: 'If-Match',
    in: 'header',
    required: false,
    description:
      'The ETag of the record as you read it (or `*`): the change is made only if the record is still that ' +
      'representation (strong comparison), else 412 and nothing changes. Without it the change is made ' +
      'whatever happened since.',
    schema: { type: 'string' },
  },
  notModified: 'Not modified: `If-None-Match` names the current ETag. No body; the same `ETag`.',
  preconditionFailed:
    'The record changed since you read it (`If-Match` does not name its current ETag): nothing was changed; ' +
    'fetch it again. A record you cannot see is still 404, and one you may not change 403.',
} as const;

/** One record of a versioned view (or, as POST /tickets, a union holding one). */
function showsVersionedRecord(body: z.ZodType | undefined): boolean {
  if (!body) return false;
  if (VERSIONED_VIEWS.includes(body)) return true;
  return body instanceof z.ZodUnion && (body.options as z.ZodType[]).some((option) => VERSIONED_VIEWS.includes(option));
}

const PAGE_HEADERS = {
  'X-Total-Count': { description: 'How many records the whole list has.', schema: { type: 'integer', minimum: 0 } },
  Link: { description: 'RFC 8288 links with rel="next" and rel="prev" where they exist.', schema: { type: 'string' } },
};

/** "/v1/tickets/:id" → "/api/v1/tickets/{id}". */
function openApiPath(path: string): string {
  return `/api${path.replace(/:(\w+)/g, '{$1}')}`;
}

function tagOf(path: string): string {
  const [first, second] = path.split('/').filter(Boolean);
  if (first !== 'v1') return 'authentication';
  if (second === 'openapi.json') return 'documentation';
  return second === 'ticket' ? 'tickets' : second!;
}

function operationId(method: Method, path: string): string {
  const words = path
    .replace(/^\/v1\//, '/')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  return method + words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
}

/** The parameters `schema` validates (an object's properties), in the path or the query. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const object = jsonSchemaOf(schema, 'input');
  const properties = (object.properties ?? {}) as Record<string, JsonSchema>;
  const required = (object.required ?? []) as string[];
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...propertySchema } = property;
    return {
      name,
      in: where,
      required: where === 'path' || required.includes(name),
      ...(description ? { description } : {}),
      schema: propertySchema,
    };
  });
}

function successResponse(response: ResponseDoc, idempotent: boolean): JsonSchema {
  const tagged = response.paginated || showsVersionedRecord(response.body);
  const headers = {
    ...(tagged ? CONDITIONAL.etag : {}),
    ...(response.paginated ? PAGE_HEADERS : {}),
    ...(idempotent ? IDEMPOTENCY.replayed : {}),
    ...(response.location
      ? {
          Location: {
            description: typeof response.location === 'string' ? response.location : 'The URL of the new record.',
            schema: { type: 'string', format: 'uri' },
          },
        }
      : {}),
  };
  return {
    description: response.description,
    ...(Object.keys(headers).length ? { headers } : {}),
    ...(response.body ? { content: { 'application/json': { schema: jsonSchemaOf(response.body, 'output') } } } : {}),
  };
}

const WWW_AUTHENTICATE: Record<number, string> = {
  401: 'Bearer realm="seatshare", with error="invalid_token" when a token was sent.',
  403: 'When the scope is missing: Bearer realm="seatshare", error="insufficient_scope", scope="read" or "write".',
};

function errorResponse(status: number, description: string): JsonSchema {
  const headers = WWW_AUTHENTICATE[status]
    ? { 'WWW-Authenticate': { description: WWW_AUTHENTICATE[status], schema: { type: 'string' } } }
    : status === 429 || status === 503
      ? { 'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer' } } }
      : undefined;
  return {
    description,
    ...(headers ? { headers } : {}),
    content: { 'application/json': { schema: componentRef('Error') } },
  };
}

/** A missing body reads as `{}`: it may be left out exactly when `{}` is a valid body. */
function requestBody(body: z.ZodType): JsonSchema {
  return {
    required: !body.safeParse({}).success,
    content: { 'application/json': { schema: jsonSchemaOf(body, 'input') } },
  };
}

function operation({ path, method, doc }: RegisteredRoute, versionedPaths: Set<string>): JsonSchema {
  const errors = new Map<number, string>();
  const add = (status: number, description: string) =>
    errors.set(status, errors.has(status) ? `${errors.get(status)} Or: ${description}` : description);
  add(400, COMMON_ERRORS[400]);
  if (!doc.public) add(401, COMMON_ERRORS[401]);
  if (!doc.public) add(403, COMMON_ERRORS[403]);
  if (doc.params) add(404, COMMON_ERRORS[404]);
  add(406, COMMON_ERRORS[406]);
  if (TAKES_BODY.includes(method)) {
    add(413, COMMON_ERRORS[413]);
    add(415, COMMON_ERRORS[415]);
  }
  if (!doc.public) add(429, COMMON_ERRORS[429]);
  add(503, COMMON_ERRORS[503]);
  for (const [status, description] of Object.entries(doc.errors ?? {})) {
    const code = Number(status);
    if (code === 400 || !errors.has(code)) errors.set(code, description);
    else add(code, description);
  }
  const idempotent = method === 'post' && !doc.public;
  if (idempotent)
    for (const [status, description] of Object.entries(IDEMPOTENCY.errors)) add(Number(status), description);
  const cachable =
    method === 'get' && (versionedPaths.has(path) || Object.values(doc.responses).some((r) => r.paginated));
  const guarded = ['put', 'patch', 'delete'].includes(method) && versionedPaths.has(path);
  if (guarded) add(412, CONDITIONAL.preconditionFailed);

  const responses: Record<string, JsonSchema> = {};
  for (const [status, response] of Object.entries(doc.responses))
    responses[status] = successResponse(response, idempotent);
  if (cachable) responses['304'] = { description: CONDITIONAL.notModified, headers: CONDITIONAL.etag };
  for (const [status, description] of [...errors].sort(([a], [b]) => a - b))
    responses[String(status)] = errorResponse(status, description);

  const scope = method === 'get' ? 'read' : 'write';
  return {
    operationId: operationId(method, path),
    tags: [tagOf(path)],
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    security: doc.public ? [] : [{ oauth2: [scope] }, { bearer: [] }, { token: [] }],
    parameters: [
      ...parameters(doc.params, 'path'),
      ...parameters(doc.query, 'query'),
      ...(idempotent ? [IDEMPOTENCY.parameter] : []),
      ...(cachable ? [CONDITIONAL.ifNoneMatch] : []),
      ...(guarded ? [CONDITIONAL.ifMatch] : []),
    ],
    ...(doc.body ? { requestBody: requestBody(doc.body) } : {}),
    responses,
  };
}

export function buildOpenApiDocument(routes: RegisteredRoute[], config: Pick<Config, 'baseUrl'>): JsonSchema {
  const baseUrl = config.baseUrl.replace(/\/+$/, '');
  const paths: Record<string, Record<string, JsonSchema>> = {};
  // A path whose GET shows one versioned record: its writes take If-Match.
  const versionedPaths = new Set(
    routes
      .filter((route) => route.method === 'get' && showsVersionedRecord(route.doc.responses[200]?.body))
      .map((route) => route.path),
  );
  for (const route of routes) {
    (paths[openApiPath(route.path)] ??= {})[route.method] = operation(route, versionedPaths);
  }
  const schemas: Record<string, JsonSchema> = { Error: jsonSchemaOf(errorView, 'output') };
  for (const [view, name] of namedViews) schemas[name] = jsonSchemaOf(view, 'output', { root: true });

  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://spec.openapis.org/oas/3.1/dialect/base',
    info: {
      title: 'SeatShare API',
      version: '1',
      // Who answers for the API, and on what terms (a linter's rule, and a partner's first question).
      contact: { name: 'The operators of this SeatShare service', url: `${baseUrl}/docs` },
      license: { name: 'Proprietary: for clients of this SeatShare service', identifier: 'LicenseRef-SeatShare' },
      description: [
        'Who holds which seat for which game: users, user aliases, groups, events and tickets.',
        '',
        'Authenticate with an OAuth 2.0 access token (`Authorization: Bearer …`; authorization code with PKCE, ' +
          'metadata at `/.well-known/oauth-authorization-server`) or a personal token (`Authorization: Token …`, ' +
          'from /account/tokens or `POST /api/authenticate/`). Scope `read` for GET, `write` for the rest.',
        '',
        'Every error is `{"error", "error_detail", "code"}` (plus `fields` on 400). A record you may not see is ' +
          '404, one you may see but not change 403. Lists take `limit` (≤ 500) and `offset` and send `X-Total-Count` ' +
          'and `Link`. Datetimes are ISO 8601 in UTC; money is a decimal string.',
        '',
        'Records and lists carry a strong `ETag`: send it in `If-None-Match` to get 304 when nothing changed, and in ' +
          '`If-Match` on PUT, PATCH and DELETE to be refused with 412 if someone changed the record since you read it.',
      ].join('\n'),
    },
    servers: [{ url: baseUrl }],
    tags: [
      { name: 'users', description: 'You, and the people who share a group with you.' },
      { name: 'user_aliases', description: 'Names for people without an account, to hand a seat to.' },
      { name: 'groups', description: 'The people who share season tickets: members, admins, invitations.' },
      { name: 'events', description: 'The games and shows of a group, each with its seats.' },
      { name: 'tickets', description: 'Seats for an event: who owns each, who holds it, its history.' },
      { name: 'deletions', description: 'What left your view since a time: for clients that sync.' },
      { name: 'authentication', description: 'Personal API tokens by password, for scripts.' },
      { name: 'documentation', description: 'This document.' },
    ].filter((tag) => routes.some((route) => tagOf(route.path) === tag.name)),
    paths,
    components: {
      schemas,
      securitySchemes: {
        oauth2: {
          type: 'oauth2',
          description: 'Authorization code with PKCE (S256). Public clients (no secret) must use PKCE.',
          flows: {
            authorizationCode: {
              authorizationUrl: `${baseUrl}/oauth/authorize`,
              tokenUrl: `${baseUrl}/oauth/token`,
              refreshUrl: `${baseUrl}/oauth/token`,
              scopes: {
                read: 'Read your groups, events, tickets and people.',
                write: 'Create, change and delete on your behalf.',
              },
            },
          },
        },
        bearer: { type: 'http', scheme: 'bearer', description: 'An OAuth access token obtained elsewhere.' },
        token: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description: 'A personal API token, sent as `Authorization: Token <token>`.',
        },
      },
    },
  };
}
