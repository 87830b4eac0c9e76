// The policy rules of SPEC §5 as pure, synchronous functions over already-loaded rows, built
// from small named predicates. Seeing a record is decided in SQL (scopes.ts); these decide
// what the caller may do with a record they can see.
import type { Actor } from './actor';
import { allOf, allow, deny, type Verdict } from './verdict';

export type Role = 'admin' | 'member';

// --- Predicates --------------------------------------------------------------------------

export const isSelf = (actor: Actor, userId: string): boolean => actor.userId === userId;
export const isAdmin = (membership: { role: Role }): boolean => membership.role === 'admin';
export const isOwner = (actor: Actor, ticket: { owner_id: string }): boolean => ticket.owner_id === actor.userId;
export const isAssignee = (actor: Actor, ticket: { assignee_id: string | null }): boolean =>
  ticket.assignee_id === actor.userId;

// --- Groups ------------------------------------------------------------------------------
// `group.role` is the actor's role in it (every visible group has one; an event carries its
// group's).

/** A rule for what only the group's admins do; `reason` is what everyone else is told. */
function adminsOnly(reason: string): (group: { role: Role }) => Verdict {
  return (group) => (isAdmin(group) ? allow : deny(reason));
}

/** Changing the group's name and description. */
export const mayUpdateGroup = adminsOnly('Only an admin of this group may change it.');

/** Adding, changing and deleting a group's events. */
export const mayManageEvents = adminsOnly('Only an admin of this group may add or change its events.');

/** Deactivating the group, its invitations and join code, its members' roles. */
export const mayAdministerGroup = adminsOnly('Only an admin of this group may do this.');

/** Removing a member: an admin removes anyone, a member removes themself (leaves). */
export function mayRemoveMember(actor: Actor, group: { role: Role }, userId: string): Verdict {
  return isAdmin(group) || isSelf(actor, userId)
    ? allow
    : deny('Only an admin may remove another member; you may leave.');
}

/** A group keeps at least one admin: is `member` its last? */
export function isLastAdmin(member: { role: Role }, adminCount: number): boolean {
  return isAdmin(member) && adminCount <= 1;
}

// --- User aliases ------------------------------------------------------------------------

export function mayChangeAlias(actor: Actor, alias: { user_id: string }): Verdict {
  return isSelf(actor, alias.user_id) ? allow : deny('Only the person who made this alias may change it.');
}

// --- Tickets -----------------------------------------------------------------------------

/** Fields only the owner may change: where the seat is. */
export const SEAT_FIELDS = ['section', 'row', 'seat'] as const;
type SeatField = (typeof SEAT_FIELDS)[number];

type TicketParties = { owner_id: string; assignee_id: string | null };

export function mayChangeTicket(actor: Actor, ticket: TicketParties): Verdict {
  return isOwner(actor, ticket) || isAssignee(actor, ticket)
    ? allow
    : deny('Only the owner or the assignee of this ticket may change it.');
}

/**
 * `changes`: the body. A seat field counts only when its value differs, so a client that
 * sends the place back unchanged (a full PUT) is not refused for it.
 */
export function mayUpdateTicket(
  actor: Actor,
  ticket: TicketParties & Record<SeatField, string>,
  changes: Partial<Record<string, unknown>>,
): Verdict {
  const moved = SEAT_FIELDS.filter((field) => changes[field] !== undefined && changes[field] !== ticket[field]);
  return allOf(
    mayChangeTicket(actor, ticket),
    moved.length && !isOwner(actor, ticket)
      ? deny(`Only the owner of this ticket may change ${moved.join(', ')}.`)
      : allow,
  );
}

export const mayDeleteTicket = mayChangeTicket;

/** Asking the owner for a ticket: any member but the owner. */
export function mayRequestTicket(actor: Actor, ticket: { owner_id: string }): Verdict {
  return isOwner(actor, ticket) ? deny('You own this ticket; requests are for the other members.') : allow;
}

/**
 * Whether an alias may go on a ticket (SPEC §5): one of the actor's own aliases, on a ticket
 * that will be assigned to the actor. A refusal is a 400 on `alias_id`, not a 403: it is a
 * body field naming a record that is not a valid choice.
 */
export function isValidAliasChoice(
  actor: Actor,
  alias: { user_id: string } | undefined,
  assigneeAfter: string | null,
): boolean {
  return alias !== undefined && isSelf(actor, alias.user_id) && assigneeAfter === actor.userId;
}

// --- Accounts ----------------------------------------------------------------------------

export const isVerified = (account: { email_verified_at: Date | null }): boolean => account.email_verified_at !== null;

export const UNVERIFIED_REASON =
  'Verify your email address first: follow the link we mailed you, or ask for a new one on /account/verification.';

/**
 * SPEC §7: an account whose email is not verified may sign in, verify and ask for a new link —
 * nothing else. Approving an app, minting a personal token and joining a group ask this rule.
 */
export function requireVerified(account: { email_verified_at: Date | null }): Verdict {
  return isVerified(account) ? allow : deny(UNVERIFIED_REASON);
}
