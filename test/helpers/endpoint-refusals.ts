// The refusals every API route test states (ARCHITECTURE "Tests"): 401 without credentials,
// 403 to a read-only token for a write, 404 for a record the caller may not see, a random UUID
// and a malformed id, 403 with its detail for a record the caller sees but may not change — each
// as the SPEC §4 error object, and each leaving the record as it was. One call per endpoint:
//
//   itRefuses(t, {
//     method: 'patch',
//     path: (id) => `/api/v1/user_aliases/${id}`,
//     body: { first_name: 'X' },
//     caller: () => t.world.tokens.member,
//     allowed: () => t.world.aliases.memberAlias.id,
//     hidden: { "a stranger's alias": () => t.world.aliases.outsiderAlias.id },
//     forbidden: { id: () => t.world.aliases.adminBAlias.id, detail: 'Only the person who made this alias may change it.' },
//     snapshot: (id) => t.knex('user_aliases').where({ id }).first(),
//   });
//
// The success path and the 400s stay in the file's own tests: they assert what only that
// endpoint knows (the presented body, the fields).
import request from 'supertest';
import { as, MALFORMED_ID, RANDOM_UUID, type WorldSetup } from './world';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RefusalCases {
  method: Method;
  path: (id: string) => string;
  /** Sent with POST, PUT and PATCH (a valid body, so that only the id or the caller is wrong). */
  body?: object;
  /** The token of the caller the 404s and the 403 are asked as. */
  caller: () => string;
  /** A record the caller can see: the 401 and read-only cases aim at it (refused before any policy). */
  allowed: () => string;
  /** Records the caller may not see, by name; a random UUID and a malformed id are added. */
  hidden?: Record<string, () => string>;
  /** A record the caller sees but may not change, and the error_detail of the 403. */
  forbidden?: { id: () => string; detail: string };
  /** The record's row (or anything derived from it) before and after each refusal must be equal. */
  snapshot?: (id: string) => Promise<unknown>;
}

const isWrite = (method: Method) => method !== 'get';

function expectErrorObject(body: unknown, code: number): void {
  expect(body).toEqual(expect.objectContaining({ code, error: expect.any(String), error_detail: expect.any(String) }));
}

export function itRefuses(t: WorldSetup, cases: RefusalCases): void {
  const { method, path } = cases;
  const send = (test: request.Test) =>
    cases.body && method !== 'get' && method !== 'delete' ? test.send(cases.body) : test;
  const asCaller = (token: string, id: string) => send(as(t.app, token)[method](path(id)));

  /** Runs `refuse` and asserts the record it aimed at did not change. */
  const unchangedBy = async (id: string, refuse: () => Promise<unknown>) => {
    const before = cases.snapshot && (await cases.snapshot(id));
    await refuse();
    if (cases.snapshot) expect(await cases.snapshot(id)).toEqual(before);
  };

  describe(`${method.toUpperCase()} ${path(':id')} refuses`, () => {
    it('a request without credentials: 401 with a challenge', async () => {
      await unchangedBy(cases.allowed(), async () => {
        const res = await send(request(t.app)[method](path(cases.allowed()))).expect(401);
        expectErrorObject(res.body, 401);
        expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="seatshare"/);
      });
    });

    if (isWrite(method)) {
      it('a read-only token: 403 naming the write scope', async () => {
        await unchangedBy(cases.allowed(), async () => {
          const res = await asCaller(t.world.readOnly, cases.allowed()).expect(403);
          expectErrorObject(res.body, 403);
          expect(res.body.error_detail).toBe('This token lacks the "write" scope.');
        });
      });
    }

    const notFound = async (id: string) => {
      const res = await asCaller(cases.caller(), id).expect(404);
      expectErrorObject(res.body, 404);
    };
    const hidden = Object.entries(cases.hidden ?? {});
    if (hidden.length > 0) {
      it.each(hidden)('%s: 404, as if it did not exist', async (_name, id) => {
        await unchangedBy(id(), () => notFound(id()));
      });
    }
    it.each([
      ['a random id', RANDOM_UUID],
      ['a malformed id', MALFORMED_ID],
    ])('%s: 404', async (_name, id) => notFound(id));

    const { forbidden } = cases;
    if (forbidden) {
      it('a record the caller sees but may not change: 403 saying why', async () => {
        await unchangedBy(forbidden.id(), async () => {
          const res = await asCaller(cases.caller(), forbidden.id()).expect(403);
          expectErrorObject(res.body, 403);
          expect(res.body.error_detail).toBe(forbidden.detail);
        });
      });
    }
  });
}
