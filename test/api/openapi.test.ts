// GET /api/v1/openapi.json (issue #5): the document names exactly the routes Express serves,
// is a valid OpenAPI 3.1 document, and what the API answers conforms to it — every
// operation's success response and the error responses met on the way are validated against
// the document's own schemas.
import type { Router } from 'express';
import request from 'supertest';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { MALFORMED_ID, RANDOM_UUID, useWorld } from '../helpers/world';
import { buildPersonalToken, FACTORY_PASSWORD } from '../factories';

const t = useWorld();
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the served JSON, read by path like every res.body (see eslint.config.mjs)
type OpenApiJson = any;

let document: OpenApiJson;

beforeEach(async () => {
  document = (await request(t.app).get('/api/v1/openapi.json').expect(200)).body;
});

type Layer = {
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: string;
};
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** "post /api/v1/tickets" for every route Express would serve, found by walking its routers. */
function servedRoutes(stack: Layer[], prefix = ''): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) {
      return Object.keys(layer.route.methods)
        .filter((method) => METHODS.includes(method))
        .map((method) => `${method} ${prefix}${layer.route!.path}`);
    }
    if (layer.handle.stack) {
      const mountedAt = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
      return servedRoutes(layer.handle.stack, prefix + mountedAt);
    }
    return [];
  });
}

function documentedRoutes(doc: OpenApiJson): string[] {
  return Object.entries(doc.paths as Record<string, object>).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => `${method} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
  );
}

describe('the document and the router', () => {
  it('names every API route Express serves, and no other', () => {
    const served = servedRoutes((t.app as unknown as { router: Router }).router.stack as unknown as Layer[]).filter(
      (route) => route.split(' ')[1]!.startsWith('/api/'),
    );
    expect(served.length).toBeGreaterThan(30);
    expect(documentedRoutes(document).sort()).toEqual([...new Set(served)].sort());
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const { Validator } = await import('@seriousme/openapi-schema-validator');
    const result = await new Validator().validate(document);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(document.openapi).toBe('3.1.0');
  });

  it('has the OAuth 2.0 authorization code flow at the real URLs, and the Token scheme', async () => {
    const metadata = (await request(t.app).get('/.well-known/oauth-authorization-server').expect(200)).body;
    const { oauth2, token } = document.components.securitySchemes;
    expect(oauth2.flows.authorizationCode).toMatchObject({
      authorizationUrl: metadata.authorization_endpoint,
      tokenUrl: metadata.token_endpoint,
      scopes: { read: expect.any(String), write: expect.any(String) },
    });
    expect(token).toMatchObject({ type: 'apiKey', in: 'header', name: 'Authorization' });
    expect(document.paths['/api/v1/tickets'].get.security).toEqual([
      { oauth2: ['read'] },
      { bearer: [] },
      { token: [] },
    ]);
    expect(document.paths['/api/v1/tickets'].post.security).toEqual([
      { oauth2: ['write'] },
      { bearer: [] },
      { token: [] },
    ]);
    expect(document.paths['/api/v1/openapi.json'].get.security).toEqual([]);
  });

  it('describes parameters and bodies from the schemas the routes validate with', () => {
    const list = document.paths['/api/v1/tickets'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual([
      'limit',
      'offset',
      'owner',
      'assignee',
      'show',
      'group_id',
      'event_id',
      'available',
      'updated_since',
      'If-None-Match',
    ]);
    expect(list.parameters.find((p: { name: string }) => p.name === 'show').schema).toEqual({
      type: 'string',
      enum: ['past', 'future'],
    });
    expect(list.responses['200'].headers).toHaveProperty('X-Total-Count');
    const update = document.paths['/api/v1/tickets/{id}'].patch;
    expect(update.requestBody.content['application/json'].schema).toMatchObject({
      type: 'object',
      additionalProperties: false,
    });
    expect(Object.keys(update.requestBody.content['application/json'].schema.properties).sort()).toEqual([
      'alias_id',
      'assignee_id',
      'cost',
      'note',
      'row',
      'seat',
      'section',
    ]);
    expect(Object.keys(update.responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '406',
      '412',
      '413',
      '415',
      '429',
      '503',
    ]);
    // A body of optional fields may be left out; one with a required field may not.
    expect(update.requestBody.required).toBe(false);
    expect(document.paths['/api/v1/tickets'].post.requestBody.required).toBe(true);
    // Reads need the read scope: 403 with WWW-Authenticate is possible on a GET too.
    expect(document.paths['/api/v1/users/me'].get.responses['403'].headers).toHaveProperty('WWW-Authenticate');
    expect(document.paths['/api/v1/events/{id}'].delete.responses['409']).toBeDefined();
  });

  it('documents conditional requests: ETag on records and lists, If-None-Match and 304 on their GETs, If-Match and 412 on their writes', () => {
    const names = (operation: { parameters: Array<{ name: string }> }) => operation.parameters.map((p) => p.name);
    for (const path of [
      '/api/v1/users/me',
      '/api/v1/users/{id}',
      '/api/v1/user_aliases/{id}',
      '/api/v1/groups/{id}',
      '/api/v1/events/{id}',
      '/api/v1/tickets/{id}',
      '/api/v1/ticket/{id}',
    ]) {
      const item = document.paths[path];
      expect(item.get.responses['200'].headers).toHaveProperty('ETag');
      expect(item.get.responses['304'].headers).toHaveProperty('ETag');
      expect(item.get.responses['304'].content).toBeUndefined();
      expect(names(item.get)).toContain('If-None-Match');
      for (const method of ['put', 'patch', 'delete'].filter((m) => item[m])) {
        expect(names(item[method])).toContain('If-Match');
        expect(item[method].responses['412'].content['application/json'].schema).toEqual({
          $ref: '#/components/schemas/Error',
        });
      }
      for (const method of ['put', 'patch'].filter((m) => item[m]))
        expect(item[method].responses['200'].headers).toHaveProperty('ETag');
    }
    expect(document.paths['/api/v1/tickets'].get.responses['200'].headers).toHaveProperty('ETag');
    expect(document.paths['/api/v1/tickets'].get.responses['304']).toBeDefined();
    expect(document.paths['/api/v1/tickets'].post.responses['201'].headers).toHaveProperty('ETag');
    // Records without versions take neither header.
    const invitation = document.paths['/api/v1/groups/{id}/invitations/{invitation_id}'];
    expect(names(invitation.get)).not.toContain('If-None-Match');
    expect(names(invitation.delete)).not.toContain('If-Match');
    expect(invitation.delete.responses['412']).toBeUndefined();
  });

  it('is public, and served to any origin', async () => {
    const res = await request(t.app).get('/api/v1/openapi.json').expect(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('what the API answers conforms to the document', () => {
  let validated: Set<string>;
  let ajv: Ajv2020;

  beforeEach(() => {
    validated = new Set();
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(document, 'openapi');
  });

  const pointer = (...parts: string[]) => parts.map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');

  function templateOf(path: string): string {
    const bare = path.split('?')[0]!;
    const match = Object.keys(document.paths).find((template) =>
      new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`).test(bare),
    );
    if (!match) throw new Error(`no documented path matches ${bare}`);
    return match;
  }

  /** Sends a request and checks the reply against the document's response for its status. */
  async function call(
    method: 'get' | 'post' | 'put' | 'patch' | 'delete',
    path: string,
    token: string | null,
    body?: object,
    headers: Record<string, string> = {},
  ) {
    let test = request(t.app)[method](path).set(headers);
    if (token) test = test.set('Authorization', `Token ${token}`);
    const res = body ? await test.send(body) : await test;
    const template = templateOf(path);
    const response = document.paths[template][method]?.responses?.[String(res.status)];
    if (!response)
      throw new Error(
        `${method} ${path} answered ${res.status}, which the document does not list: ${JSON.stringify(res.body)}`,
      );
    const media = response.content?.['application/json'];
    if (media) {
      const validate = ajv.getSchema(
        `openapi#/${pointer('paths', template, method, 'responses', String(res.status), 'content', 'application/json', 'schema')}`,
      )!;
      if (!validate(res.body))
        throw new Error(
          `${method} ${path} ${res.status}: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(res.body)}`,
        );
    } else {
      expect(res.text).toBe('');
    }
    for (const header of Object.keys(response.headers ?? {})) {
      if (['Link', 'Retry-After', 'Idempotent-Replayed'].includes(header)) continue; // only sometimes
      if (['Location', 'ETag'].includes(header) && Array.isArray(res.body) && !response.headers['X-Total-Count'])
        continue; // a season of tickets
      if (header === 'WWW-Authenticate' && res.status === 403 && !res.body.error_detail.includes('scope')) continue; // a role's 403
      expect(res.headers).toHaveProperty(header.toLowerCase());
    }
    validated.add(`${method} ${template} ${res.status}`);
    return res;
  }

  it('for every operation, and for errors on the way', async () => {
    const { tokens, groupA, groupC, member, loner, tickets, events, aliases } = t.world;
    const v1 = '/api/v1';

    await call('post', '/api/authenticate', null, { username: member.email, password: FACTORY_PASSWORD });
    await call('post', '/api/authenticate', null, { username: member.email, password: 'wrong' });
    await call('get', `${v1}/openapi.json`, null);

    await call('get', `${v1}/users`, tokens.member);
    await call('get', `${v1}/users?group_id=${groupA.id}`, tokens.member);
    await call('get', `${v1}/users?group_id=${groupC.id}`, tokens.member);
    await call('get', `${v1}/users?limit=0`, tokens.member);
    await call('get', `${v1}/users`, null);
    await call('get', `${v1}/users/me`, tokens.member);
    const writeOnly = (await buildPersonalToken(t.knex, { user_id: member.id, scope: ['write'] })).token;
    expect((await call('get', `${v1}/users/me`, writeOnly)).headers['www-authenticate']).toContain('scope="read"');
    await call('put', `${v1}/users/me`, tokens.member, { bio: 'Season ticket holder' });
    await call('patch', `${v1}/users/me`, tokens.member, { location: 'Vienna' });
    await call('patch', `${v1}/users/me`, tokens.member, { first_name: '' });
    await call('get', `${v1}/users/${t.world.admin.id}`, tokens.member);
    await call('get', `${v1}/users/${MALFORMED_ID}`, tokens.member);

    const alias = (await call('post', `${v1}/user_aliases`, tokens.member, {
      first_name: 'Tim',
      last_name: 'Member',
    }).then((r) => r.body)) as { id: string };
    await call('get', `${v1}/user_aliases`, tokens.member);
    await call('get', `${v1}/user_aliases/${alias.id}`, tokens.member);
    await call('put', `${v1}/user_aliases/${alias.id}`, tokens.member, { first_name: 'Timmy' });
    await call('patch', `${v1}/user_aliases/${alias.id}`, tokens.member, { last_name: 'M' });
    await call('patch', `${v1}/user_aliases/${aliases.adminBAlias.id}`, tokens.member, { last_name: 'X' });
    await call('delete', `${v1}/user_aliases/${alias.id}`, tokens.member);

    const group = (await call('post', `${v1}/groups`, tokens.admin, { name: 'Season 2027' })).body as { id: string };
    await call('get', `${v1}/groups`, tokens.admin);
    await call('get', `${v1}/groups/${group.id}`, tokens.admin);
    await call('put', `${v1}/groups/${group.id}`, tokens.admin, { description: 'Rows K and L' });
    await call('patch', `${v1}/groups/${groupA.id}`, tokens.member, { name: 'Mine now' });
    await call('patch', `${v1}/groups/${group.id}`, tokens.admin, { name: 'Season 2027/28' });
    const rekeyed = (await call('post', `${v1}/groups/${group.id}/invitation_code`, tokens.admin)).body as {
      invitation_code: string;
    };
    const invitation = (
      await call('post', `${v1}/groups/${group.id}/invitations`, tokens.admin, { email: 'guest@example.com' })
    ).body as { id: string; code: string };
    await call('get', `${v1}/groups/${group.id}/invitations`, tokens.admin);
    await call('get', `${v1}/groups/${group.id}/invitations/${invitation.id}`, tokens.admin);
    await call('post', `${v1}/groups/join`, tokens.member, { code: invitation.code });
    await call('post', `${v1}/groups/join`, tokens.member, { code: rekeyed.invitation_code });
    await call('post', `${v1}/groups/join`, tokens.loner, { code: rekeyed.invitation_code });
    const another = (
      await call('post', `${v1}/groups/${group.id}/invitations`, tokens.admin, { email: 'other@example.com' })
    ).body as { id: string };
    await call('delete', `${v1}/groups/${group.id}/invitations/${another.id}`, tokens.admin);
    await call('delete', `${v1}/groups/${group.id}/invitations/${invitation.id}`, tokens.admin);
    await call('patch', `${v1}/groups/${group.id}/members/${loner.id}`, tokens.admin, { role: 'admin' });
    await call('patch', `${v1}/groups/${group.id}/members/${loner.id}`, tokens.member, { role: 'member' });
    await call('delete', `${v1}/groups/${group.id}/members/${loner.id}`, tokens.admin);

    const event = (
      await call('post', `${v1}/events`, tokens.admin, {
        group_id: group.id,
        name: 'Opening night',
        start_time: '2030-09-01T19:30:00Z',
      })
    ).body as { id: string };
    const event2 = (
      await call('post', `${v1}/events`, tokens.admin, {
        group_id: group.id,
        name: 'Second night',
        start_time: '2030-09-08T19:30:00Z',
      })
    ).body as { id: string };
    await call('post', `${v1}/events`, tokens.member, {
      group_id: groupA.id,
      name: 'Not mine',
      start_time: '2030-09-01T19:30:00Z',
    });
    await call('get', `${v1}/events?show=future&ordering=-start_time`, tokens.admin);
    await call('get', `${v1}/events?show=soon`, tokens.admin);
    await call('get', `${v1}/events/${event.id}`, tokens.admin);
    await call('put', `${v1}/events/${event.id}`, tokens.admin, { time_tba: true });
    await call('patch', `${v1}/events/${event.id}`, tokens.admin, { name: 'Opening night (rescheduled)' });

    const ticket = (
      await call('post', `${v1}/tickets`, tokens.admin, {
        event_id: event.id,
        section: '326',
        row: 'K',
        seat: '9',
        cost: '32.00',
      })
    ).body as { id: string };
    await call('post', `${v1}/tickets`, tokens.admin, {
      event_ids: [event.id, event2.id],
      section: '326',
      row: 'K',
      seat: '10',
      assignee_id: null,
    });
    await call('post', `${v1}/tickets`, tokens.admin, { event_ids: [event.id, RANDOM_UUID], seat: '11' });
    await call('get', `${v1}/tickets?group_id=${group.id}&available=true`, tokens.admin);
    await call('get', `${v1}/tickets?event_id=${events.otherEvent.id}`, tokens.admin);
    const read = await call('get', `${v1}/tickets/${ticket.id}`, tokens.member);
    await call('get', `${v1}/tickets/${ticket.id}`, tokens.member, undefined, {
      'If-None-Match': read.headers.etag as string,
    });
    const page = await call('get', `${v1}/tickets`, tokens.member);
    await call('get', `${v1}/tickets`, tokens.member, undefined, { 'If-None-Match': page.headers.etag as string });
    await call('get', `${v1}/ticket/${ticket.id}`, tokens.member);
    await call('get', `${v1}/tickets/${RANDOM_UUID}`, tokens.member);
    await call('put', `${v1}/tickets/${ticket.id}`, tokens.admin, { assignee_id: member.id });
    await call('patch', `${v1}/tickets/${ticket.id}`, tokens.member, { note: 'Bringing a friend' });
    await call(
      'patch',
      `${v1}/tickets/${ticket.id}`,
      tokens.member,
      { note: 'x' },
      { 'If-Match': read.headers.etag as string },
    );
    await call('delete', `${v1}/tickets/${ticket.id}`, tokens.admin, undefined, {
      'If-Match': read.headers.etag as string,
    });
    await call('patch', `${v1}/tickets/${ticket.id}`, tokens.member, { seat: '12' });
    await call('put', `${v1}/ticket/${ticket.id}`, tokens.admin, { cost: 30 });
    await call('patch', `${v1}/ticket/${ticket.id}`, tokens.admin, { note: '' });
    await call('patch', `${v1}/tickets/${tickets.available.id}`, t.world.readOnly, { note: 'x' });
    await call('post', `${v1}/tickets/${tickets.available.id}/request`, tokens.member, { message: 'May I?' });
    await call('post', `${v1}/tickets/${tickets.available.id}/request`, tokens.admin, {});
    await call('get', `${v1}/tickets/${ticket.id}/history`, tokens.admin);
    await call('delete', `${v1}/tickets/${ticket.id}`, tokens.admin);
    const spare = (await call('post', `${v1}/tickets`, tokens.admin, { event_id: event2.id, seat: '20' })).body as {
      id: string;
    };
    await call('delete', `${v1}/ticket/${spare.id}`, tokens.admin);

    await call('delete', `${v1}/events/${event2.id}`, tokens.admin);
    await call('delete', `${v1}/events/${event2.id}?force=true`, tokens.admin);
    await call('delete', `${v1}/events/${event.id}?force=true`, tokens.admin);
    await call('delete', `${v1}/groups/${group.id}/members/${member.id}`, tokens.member);
    await call(
      'get',
      `${v1}/deletions?since=${encodeURIComponent(new Date(Date.now() - 60_000).toISOString())}`,
      tokens.member,
    );
    await call('delete', `${v1}/groups/${group.id}`, tokens.admin);
    await call('get', `${v1}/groups/${group.id}`, tokens.admin);

    // Every operation of the document answered with a success that conforms to it.
    const succeeded = new Set(
      [...validated].filter((entry) => /\s2\d\d$/.test(entry)).map((entry) => entry.replace(/\s\d+$/, '')),
    );
    expect([...succeeded].sort()).toEqual(
      documentedRoutes(document)
        .map((route) => route.replace(/:(\w+)/g, '{$1}'))
        .sort(),
    );
    for (const status of [304, 400, 401, 403, 404, 409, 412])
      expect([...validated].some((entry) => entry.endsWith(` ${status}`))).toBe(true);
  });
});
