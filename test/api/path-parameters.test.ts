// Path parameters are validated by the endpoint's schema (src/http/routes.ts), like the query
// and the body: a malformed id is the same 404 as an id that names nothing you can see, and
// nothing about the order in which a request's faults are reported has changed.
import { Router } from 'express';
import { z } from 'zod';
import { endpoint, resource } from '../../src/http/routes';
import { as, MALFORMED_ID, RANDOM_UUID, useWorld } from '../helpers/world';

const t = useWorld({ truncate: false });

describe('a path parameter', () => {
  it.each(['tickets', 'ticket', 'events', 'groups', 'user_aliases', 'users'])(
    'malformed in /%s/:id answers exactly what an unknown id does',
    async (collection) => {
      const unknown = await as(t.app, t.world.tokens.member).get(`/api/v1/${collection}/${RANDOM_UUID}`).expect(404);
      const malformed = await as(t.app, t.world.tokens.member).get(`/api/v1/${collection}/${MALFORMED_ID}`).expect(404);
      expect(malformed.body).toEqual(unknown.body);
      expect(malformed.body).toEqual({
        error: 'Not Found',
        error_detail: 'The record you requested could not be found.',
        code: 404,
      });
    },
  );

  it('is checked after the query and the body: a bad body on a malformed id is still 400', async () => {
    const res = await as(t.app, t.world.tokens.member)
      .patch(`/api/v1/tickets/${MALFORMED_ID}`)
      .send({ cost: 'free' })
      .expect(400);
    expect(Object.keys(res.body.fields)).toEqual(['cost']);
    await as(t.app, t.world.tokens.admin).delete(`/api/v1/events/${MALFORMED_ID}?force=yes`).expect(400);
  });

  it.each([
    ['an invitation', () => `/api/v1/groups/${t.world.groupA.id}/invitations/${MALFORMED_ID}`],
    ['a member', () => `/api/v1/groups/${t.world.groupA.id}/members/${MALFORMED_ID}`],
  ])("inside a group (%s) comes after the group's policy: 403 to a member, 404 to an admin", async (_name, path) => {
    await as(t.app, t.world.tokens.member).delete(path()).expect(403);
    await as(t.app, t.world.tokens.admin).delete(path()).expect(404);
  });
});

describe('every API route with path parameters', () => {
  it('validates and documents them with a params schema', async () => {
    const document = (await as(t.app, t.world.tokens.member).get('/api/v1/openapi.json').expect(200)).body as {
      paths: Record<string, Record<string, { parameters: Array<{ name: string; in: string }> }>>;
    };
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({
        operation: `${method} ${path}`,
        inPath: [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]),
        documented: operation.parameters.filter((p) => p.in === 'path').map((p) => p.name),
      })),
    );
    expect(operations.filter(({ inPath }) => inPath.length > 0).length).toBeGreaterThan(20);
    for (const { operation, inPath, documented } of operations)
      expect({ operation, documented }).toEqual({ operation, documented: inPath });
  });
});

describe('resource()', () => {
  const doc = { summary: 'x', responses: { 204: { description: 'x' } } };
  const handle = () => undefined;

  it('refuses an endpoint whose params schema does not name exactly the parameters of its path', () => {
    expect(() =>
      resource(Router(), '/things', { get: endpoint({ ...doc, params: z.strictObject({ id: z.string() }) }, handle) }),
    ).toThrow(/the path \[\]/);
    expect(() =>
      resource(Router(), '/things/:thing_id', {
        get: endpoint({ ...doc, params: z.strictObject({ id: z.string() }) }, handle),
      }),
    ).toThrow(/params names \[id\], the path \[thing_id\]/);
    expect(() =>
      resource(Router(), '/things/:id', {
        get: endpoint({ ...doc, params: z.strictObject({ id: z.string() }) }, handle),
      }),
    ).not.toThrow();
  });
});
