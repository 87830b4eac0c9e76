// /join?code=…, where an invitation's join_url leads: log in (or sign up) first, then confirm with
// a button (CSRF-protected); the same rules as POST /api/v1/groups/join. The signed-out page and
// the whole way from the mail: join-invited.test.ts.
import request from 'supertest';
import { useTestDatabase } from '../helpers/db';
import { testApp } from '../helpers/app';
import { browser, csrfFrom } from '../helpers/browser';
import { buildGroup, buildInvitation, buildUser } from '../factories';

const db = useTestDatabase();

async function setting() {
  const admin = await buildUser(db.knex);
  const group = await buildGroup(db.knex, { name: 'Section 326', admin });
  const invitation = await buildInvitation(db.knex, { group_id: group.id });
  const guest = await buildUser(db.knex, { email: 'guest@example.com' });
  const b = browser(testApp(db.db));
  return { group, invitation, guest, b };
}

const memberships = async (userId: string) =>
  Number((await db.knex('memberships').where({ user_id: userId }).count({ n: '*' }).first())?.n);

it('shows a signed-out visitor the way to log in or sign up, both coming back to the same link', async () => {
  const res = await request(testApp(db.db)).get('/join?code=ssi_abc').expect(200);
  const back = encodeURIComponent('/join?code=ssi_abc');
  expect(res.text).toContain(`<a class="button" href="/login?return_to=${back}">Log in</a>`);
  expect(res.text).toContain(`<a class="button" href="/signup?return_to=${back}">Create an account</a>`);
  expect(res.text).not.toContain('action="/join"');
});

it('shows the code in a form, and joins only when the form is sent', async () => {
  const { group, invitation, guest, b } = await setting();
  await b.login(guest.email);
  const page = await b.agent.get(`/join?code=${encodeURIComponent(invitation.code)}`).expect(200);
  expect(page.text).toContain('<label for="code">Invitation or join code</label>');
  expect(page.text).toContain(`value="${invitation.code}"`);
  expect(await memberships(guest.id)).toBe(0);

  const joined = await b.agent
    .post('/join')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), code: invitation.code })
    .expect(200);
  expect(joined.text).toContain('You are now a member of <strong>Section 326</strong>');
  expect(await db.knex('memberships').where({ user_id: guest.id }).first('group_id', 'role')).toEqual({
    group_id: group.id,
    role: 'member',
  });
  expect((await db.knex('invitations').where({ id: invitation.id }).first('accepted_by_id')).accepted_by_id).toBe(
    guest.id,
  );

  const again = await b.agent
    .post('/join')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), code: group.invitation_code })
    .expect(409);
  expect(again.text).toContain('already a member');
});

it('refuses a wrong or used code with the message on the field, and a POST without CSRF', async () => {
  const { invitation, guest, b } = await setting();
  await b.login(guest.email);
  await b.agent.post('/join').type('form').send({ code: invitation.code }).expect(403);
  const wrong = await b.submit('/join', '/join', { code: 'ssi_not-a-code' });
  expect(wrong.status).toBe(400);
  expect(wrong.text).toContain('is not a valid invitation or join code');
  const blank = await b.submit('/join', '/join', { code: '  ' });
  expect(blank.status).toBe(400);
  expect(blank.text).toContain('must not be blank');
  expect(await memberships(guest.id)).toBe(0);
});
