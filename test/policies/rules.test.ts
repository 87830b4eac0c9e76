// The policy predicates and rules, pure: no HTTP, no database.
import { authorize } from '../../src/policies/authorize';
import { isUuid } from '../../src/policies/ids';
import {
  isAdmin,
  isAssignee,
  isLastAdmin,
  isOwner,
  isSelf,
  isValidAliasChoice,
  mayAdministerGroup,
  mayChangeAlias,
  mayChangeTicket,
  mayDeleteTicket,
  mayManageEvents,
  mayRemoveMember,
  mayRequestTicket,
  mayUpdateGroup,
  mayUpdateTicket,
} from '../../src/policies/rules';
import { allOf, allow, deny } from '../../src/policies/verdict';
import { HttpError } from '../../src/errors';

const me = { userId: 'me' };
const ticket = (owner_id: string, assignee_id: string | null) => ({ owner_id, assignee_id });

describe('predicates', () => {
  it('isSelf', () => {
    expect(isSelf(me, 'me')).toBe(true);
    expect(isSelf(me, 'you')).toBe(false);
  });

  it('isAdmin', () => {
    expect(isAdmin({ role: 'admin' })).toBe(true);
    expect(isAdmin({ role: 'member' })).toBe(false);
  });

  it('isOwner and isAssignee', () => {
    expect(isOwner(me, ticket('me', null))).toBe(true);
    expect(isOwner(me, ticket('you', 'me'))).toBe(false);
    expect(isAssignee(me, ticket('you', 'me'))).toBe(true);
    expect(isAssignee(me, ticket('me', null))).toBe(false);
  });

  it('isUuid', () => {
    expect(isUuid('4f1c7c3e-5b7a-4a53-9d55-7c1f1e0c2a9b')).toBe(true);
    expect(isUuid('4F1C7C3E-5B7A-4A53-9D55-7C1F1E0C2A9B')).toBe(true);
    for (const bad of [
      '',
      'me',
      '4f1c7c3e5b7a4a539d557c1f1e0c2a9b',
      '4f1c7c3e-5b7a-4a53-9d55-7c1f1e0c2a9bx',
      undefined,
      7,
    ])
      expect(isUuid(bad)).toBe(false);
  });
});

describe('rules', () => {
  it('mayUpdateGroup: admins only', () => {
    expect(mayUpdateGroup({ role: 'admin' })).toEqual(allow);
    expect(mayUpdateGroup({ role: 'member' })).toEqual(deny('Only an admin of this group may change it.'));
  });

  it('mayManageEvents: admins only', () => {
    expect(mayManageEvents({ role: 'admin' })).toEqual(allow);
    expect(mayManageEvents({ role: 'member' })).toEqual(
      deny('Only an admin of this group may add or change its events.'),
    );
  });

  it('mayAdministerGroup: admins only', () => {
    expect(mayAdministerGroup({ role: 'admin' })).toEqual(allow);
    expect(mayAdministerGroup({ role: 'member' })).toEqual(deny('Only an admin of this group may do this.'));
  });

  it('mayRemoveMember: an admin removes anyone, a member only themself', () => {
    expect(mayRemoveMember(me, { role: 'admin' }, 'you')).toEqual(allow);
    expect(mayRemoveMember(me, { role: 'admin' }, 'me')).toEqual(allow);
    expect(mayRemoveMember(me, { role: 'member' }, 'me')).toEqual(allow); // leaving
    expect(mayRemoveMember(me, { role: 'member' }, 'you')).toEqual(
      deny('Only an admin may remove another member; you may leave.'),
    );
  });

  it('isLastAdmin: an admin with no other admin beside them', () => {
    expect(isLastAdmin({ role: 'admin' }, 1)).toBe(true);
    expect(isLastAdmin({ role: 'admin' }, 2)).toBe(false);
    expect(isLastAdmin({ role: 'member' }, 1)).toBe(false); // a member is never the last admin
    expect(isLastAdmin({ role: 'member' }, 0)).toBe(false);
  });

  it('mayChangeAlias: its maker only', () => {
    expect(mayChangeAlias(me, { user_id: 'me' }).allowed).toBe(true);
    expect(mayChangeAlias(me, { user_id: 'you' }).allowed).toBe(false);
  });

  it('mayChangeTicket and mayDeleteTicket: the owner or the assignee', () => {
    for (const rule of [mayChangeTicket, mayDeleteTicket]) {
      expect(rule(me, ticket('me', 'you')).allowed).toBe(true);
      expect(rule(me, ticket('you', 'me')).allowed).toBe(true);
      expect(rule(me, ticket('you', null)).allowed).toBe(false);
      expect(rule(me, ticket('you', 'them')).allowed).toBe(false);
    }
  });

  it('mayUpdateTicket: the place only by the owner, the rest by owner or assignee', () => {
    const seated = (owner: string, assignee: string | null) => ({
      ...ticket(owner, assignee),
      section: '326',
      row: 'K',
      seat: '9',
    });
    expect(mayUpdateTicket(me, seated('me', 'you'), { seat: '10', cost: '1.00' }).allowed).toBe(true);
    expect(
      mayUpdateTicket(me, seated('you', 'me'), { cost: '1.00', note: 'x', assignee_id: null, alias_id: null }).allowed,
    ).toBe(true);
    expect(mayUpdateTicket(me, seated('you', 'me'), { note: 'x', section: '1', row: 'A' })).toEqual(
      deny('Only the owner of this ticket may change section, row.'),
    );
    expect(mayUpdateTicket(me, seated('you', 'me'), { section: '326', row: 'K', seat: '9', note: 'x' }).allowed).toBe(
      true,
    ); // sent back unchanged
    expect(mayUpdateTicket(me, seated('you', 'them'), { note: 'x' })).toEqual(
      deny('Only the owner or the assignee of this ticket may change it.'),
    );
  });

  it('mayRequestTicket: anyone who can see it but its owner', () => {
    expect(mayRequestTicket(me, ticket('you', null)).allowed).toBe(true);
    expect(mayRequestTicket(me, ticket('you', 'me')).allowed).toBe(true);
    expect(mayRequestTicket(me, ticket('me', 'you')).allowed).toBe(false);
  });

  it('isValidAliasChoice: your own alias, on a ticket that will be assigned to you', () => {
    expect(isValidAliasChoice(me, { user_id: 'me' }, 'me')).toBe(true);
    expect(isValidAliasChoice(me, { user_id: 'you' }, 'me')).toBe(false);
    expect(isValidAliasChoice(me, { user_id: 'me' }, 'you')).toBe(false);
    expect(isValidAliasChoice(me, { user_id: 'me' }, null)).toBe(false);
    expect(isValidAliasChoice(me, undefined, 'me')).toBe(false);
  });

  it('allOf: the first refusal, or allow', () => {
    expect(allOf(allow, deny('a'), deny('b'))).toEqual(deny('a'));
    expect(allOf(allow, allow)).toEqual(allow);
  });
});

describe('authorize', () => {
  const status = (run: () => unknown): number | undefined => {
    try {
      run();
      return undefined;
    } catch (error) {
      return (error as HttpError).status;
    }
  };

  it('404 for a record that was not found (not visible)', () => {
    expect(status(() => authorize(undefined))).toBe(404);
    expect(status(() => authorize(undefined, () => allow))).toBe(404);
  });

  it('403 with the reason for a visible record the rule refuses', () => {
    expect(status(() => authorize({ id: 1 }, () => deny('no')))).toBe(403);
    expect(() => authorize({ id: 1 }, () => deny('Only admins.'))).toThrow('Only admins.');
  });

  it('hands back the record when visible and allowed', () => {
    const record = { id: 1 };
    expect(authorize(record)).toBe(record);
    expect(authorize(record, () => allow)).toBe(record);
  });
});
