// SPEC §4 conventions on the real v1 routes: content negotiation, body types and sizes,
// methods, formats of ids, times and money, and no 500 for anything a client can send.
import request from 'supertest';
import { as, useWorld } from '../helpers/world';

const t = useWorld({ truncate: false });

const ticketPath = () => `/api/v1/tickets/${t.world.tickets.ownedByMember.id}`;

describe('API v1 conventions', () => {
  it('answers JSON in UTF-8, with UTC datetimes and money as a decimal string', async () => {
    const res = await as(t.app, t.world.tokens.member).get(ticketPath()).expect(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.body.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(res.body.event.start_time).toMatch(/Z$/);
    expect(res.body.cost).toBe('32.00');
  });

  it('406 when Accept excludes JSON', async () => {
    const res = await as(t.app, t.world.tokens.member).get('/api/v1/tickets').set('Accept', 'text/html').expect(406);
    expect(res.body).toMatchObject({ error: 'Not Acceptable', code: 406 });
  });

  it('415 for a body that is not JSON', async () => {
    const res = await as(t.app, t.world.tokens.member)
      .patch(ticketPath())
      .set('Content-Type', 'text/plain')
      .send('note=x')
      .expect(415);
    expect(res.body.code).toBe(415);
  });

  it('413 for a body over 100 kB, 400 for malformed JSON', async () => {
    await as(t.app, t.world.tokens.member)
      .patch(ticketPath())
      .send({ note: 'x'.repeat(101 * 1024) })
      .expect(413);
    const res = await as(t.app, t.world.tokens.member)
      .patch(ticketPath())
      .set('Content-Type', 'application/json')
      .send('{"note":')
      .expect(400);
    expect(res.body).toMatchObject({ error: 'Bad Request', code: 400 });
  });

  it('405 with Allow for a method a route does not have, 404 for an unknown route', async () => {
    const post = await as(t.app, t.world.tokens.member).post('/api/v1/users').send({}).expect(405);
    expect(post.headers.allow).toBe('GET, HEAD, OPTIONS');
    const del = await as(t.app, t.world.tokens.member).delete('/api/v1/events').expect(405);
    expect(del.headers.allow).toBe('GET, POST, HEAD, OPTIONS');
    await as(t.app, t.world.tokens.member).get('/api/v1/seats').expect(404);
  });

  it('HEAD of a list has the list headers and no body', async () => {
    const res = await request(t.app)
      .head('/api/v1/tickets?limit=1')
      .set('Authorization', `Token ${t.world.tokens.member}`)
      .expect(200);
    expect(res.headers['x-total-count']).toBe('5');
    expect(res.text).toBeUndefined();
  });

  it('refuses a NUL character in text with 400 naming the field', async () => {
    const res = await as(t.app, t.world.tokens.member).patch(ticketPath()).send({ note: 'a\u0000b' }).expect(400);
    expect(res.body.fields).toEqual({ note: ['must not contain NUL characters'] });
  });

  it('answers no 500 to odd input anywhere', async () => {
    const id = t.world.tickets.ownedByMember.id;
    const odd: Array<[string, string, unknown?]> = [
      ['get', '/api/v1/tickets?offset=999999999&limit=500'],
      ['get', '/api/v1/tickets?group_id=%00'],
      ['get', '/api/v1/tickets?event_id=%E2%82%AC'],
      ['get', '/api/v1/tickets?ordering=-start_time'],
      ['get', '/api/v1/tickets/%'],
      ['get', '/api/v1/users?group_id[]=x'],
      ['get', '/api/v1/users/00000000-0000-0000-0000-000000000000'],
      ['patch', `/api/v1/tickets/${id}`, { cost: 1e300 }],
      ['patch', `/api/v1/tickets/${id}`, { cost: '99999999.99', note: '€ 😀' }],
      ['patch', `/api/v1/tickets/${id}`, { assignee_id: '00000000-0000-0000-0000-000000000000' }],
      ['patch', `/api/v1/tickets/${id}`, { alias_id: {} }],
      ['patch', `/api/v1/tickets/${id}`, null],
      ['patch', `/api/v1/tickets/${id}`, 'a string'],
      ['patch', '/api/v1/users/me', { timezone: '../../etc/passwd' }],
      ['patch', '/api/v1/users/me', { first_name: 'a\u0000' }],
      ['post', '/api/v1/user_aliases', { first_name: ['x'], last_name: 1 }],
      ['patch', `/api/v1/groups/${t.world.groupB.id}`, { name: 'x' }],
    ];
    for (const [method, path, body] of odd) {
      const call = as(t.app, t.world.tokens.member)[method as 'get' | 'patch' | 'post'](path);
      const res = await (body === undefined
        ? call
        : call.set('Content-Type', 'application/json').send(JSON.stringify(body)));
      expect({ method, path, status: res.status < 500 }).toEqual({ method, path, status: true });
      if (res.status >= 400) expect(res.body.code).toBe(res.status);
    }
  });
});
