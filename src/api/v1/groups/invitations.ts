// Invitations to a group by email (SPEC §5, §7): a single-use code, shown once to the admin who
// makes it (in the API's 201) and stored as a digest, and mailed to the address in the same
// transaction (the outbox sends it once the invitation commits; a rolled-back invitation sends
// nothing). The mail's link is the join_url the API returns: /join (src/web/join-page.ts).
//
// Mail to any address is a spam channel, so sending is limited, counted from these rows (durable,
// the same in every process, like VERIFICATION_MAILS_PER_HOUR): per group per hour and per
// inviter per day. An address with a pending invitation to the group gets no second one (409):
// the admin cancels the first to send another, which still counts. Presented by presenter.ts.
import type { Knex } from 'knex';
import { conflict, tooManyRequests } from '../../../errors';
import { enqueueMail } from '../../../mail/outbox';
import type { Actor } from '../../../policies/actor';
import type { Authorized } from '../../../policies/authorize';
import { isUuid } from '../../../policies/ids';
import { invitationOpenedByCode, visibleGroups, visibleUsers } from '../../../policies/scopes';
import { generateToken, hashToken } from '../../../security/tokens';
import { displayName } from '../../../users/display-name';
import type { GroupRow, InvitationRow } from './presenter';

export const INVITATION_DAYS = 14;

/**
 * Invitations one group may send in an hour: enough to invite a season-ticket group (tens of
 * people) in a sitting or two, too few for a stolen admin token to mail a list.
 */
export const INVITATIONS_PER_GROUP_PER_HOUR = 20;
/**
 * Invitations one person may send in a day, over all their groups: anyone can create a group
 * (and be its admin), so the per-group limit alone caps nothing. GitHub allows a new
 * organisation 50 invitations a day.
 */
export const INVITATIONS_PER_INVITER_PER_DAY = 50;

const COLUMNS = ['id', 'email', 'accepted_at', 'cancelled_at', 'expires_at', 'created_at'];

export async function createInvitation(
  db: Knex,
  actor: Actor,
  group: Authorized<GroupRow>,
  email: string,
): Promise<{ invitation: InvitationRow; code: string }> {
  const code = generateToken('invitation');
  const [invitation] = await db('invitations')
    .insert({
      group_id: group.id,
      email,
      code_hash: hashToken(code),
      invited_by_id: actor.userId,
      expires_at: new Date(Date.now() + INVITATION_DAYS * 24 * 60 * 60 * 1000),
    })
    .returning<InvitationRow[]>(COLUMNS);
  return { invitation: invitation as InvitationRow, code };
}

/** A group's invitations, newest first (index invitations (group_id, created_at)). */
export function listInvitations(db: Knex, actor: Actor, group: Authorized<GroupRow>): Knex.QueryBuilder {
  return visibleGroups(db, actor)
    .where('g.id', group.id)
    .join('invitations as i', 'i.group_id', 'g.id')
    .select(COLUMNS.map((column) => `i.${column}`))
    .orderBy([
      { column: 'i.created_at', order: 'desc' },
      { column: 'i.id', order: 'desc' },
    ]);
}

export async function findInvitation(
  db: Knex,
  actor: Actor,
  group: Authorized<GroupRow>,
  id: string,
): Promise<InvitationRow | undefined> {
  if (!isUuid(id)) return undefined; // checked here, after the group's policy (fields.ts: innerRecordId)
  return listInvitations(db, actor, group).where('i.id', id).first<InvitationRow | undefined>();
}

/**
 * Cancels the invitation unless it has been accepted, even a moment ago by a concurrent join
 * (one conditional statement decides); false if it was. Cancelling twice keeps the first time.
 */
export async function cancelInvitation(db: Knex, invitation: Authorized<InvitationRow>): Promise<boolean> {
  const cancelled = await db('invitations')
    .where({ id: invitation.id })
    .whereNull('accepted_at')
    .update({ cancelled_at: db.raw('coalesce(cancelled_at, now())') });
  return cancelled === 1;
}

// --- Sending: the limits, one pending invitation per address, the mail ------------------------

/** The join page's address for a code: the API's `join_url` and the mail's link. */
export function joinUrlOf(baseUrl: string, code: string): string {
  return `${baseUrl}/join?code=${encodeURIComponent(code)}`;
}

/** The inviter, whose row lockInviter locked. */
export interface Inviter {
  first_name: string;
  last_name: string;
}

/**
 * The inviter's own row, locked, so one person's invitations are counted one after the other
 * whichever group they go to. Take it after the group's lock (findGroup `lock`), always in that
 * order, the order of account deletion too (its groups, then the user's row). FOR NO KEY UPDATE:
 * writes that only refer to the user (KEY SHARE) go on meanwhile.
 */
export function lockInviter(trx: Knex.Transaction, actor: Actor): Promise<Inviter | undefined> {
  return visibleUsers(trx, actor)
    .where('u.id', actor.userId)
    .forNoKeyUpdate('u')
    .first<Inviter | undefined>('u.first_name', 'u.last_name');
}

/**
 * The invitations the actor sent in the last day, in any group, gone ones included (index
 * (invited_by_id, created_at)). A statement of its own, after the lock: a locking read that
 * waited sees the row as committed, but its subqueries keep the snapshot it began with.
 */
function sentByInviterInLastDay(trx: Knex.Transaction, actor: Actor): Promise<{ sent: number; retry: number | null }> {
  return visibleUsers(trx, actor)
    .where('u.id', actor.userId)
    .first<{ sent: number; retry: number | null }>(
      trx.raw(
        `(select count(*) from invitations as i where i.invited_by_id = u.id and i.created_at > now() - interval '1 day')::int as sent`,
      ),
      trx.raw(
        `(select ceil(date_part('epoch', min(i.created_at) + interval '1 day' - now())) from invitations as i where i.invited_by_id = u.id and i.created_at > now() - interval '1 day')::int as retry`,
      ),
    );
}

/** The invitations the group sent in the last hour (index (group_id, created_at)). */
function sentByGroupInLastHour(
  trx: Knex.Transaction,
  actor: Actor,
  group: Authorized<GroupRow>,
): Promise<{ sent: number; retry: number | null } | undefined> {
  return visibleGroups(trx, actor)
    .where('g.id', group.id)
    .join('invitations as i', 'i.group_id', 'g.id')
    .where('i.created_at', '>', trx.raw("now() - interval '1 hour'"))
    .first(
      trx.raw('count(*)::int as sent'),
      trx.raw("ceil(date_part('epoch', min(i.created_at) + interval '1 hour' - now()))::int as retry"),
    );
}

/** A 429 error object; Retry-After is when the oldest counted invitation leaves the window. */
const limitReached = (detail: string, retryAfterSeconds: number | null) =>
  tooManyRequests(detail, retryAfterSeconds ?? 1);

/** A pending invitation of the group to this address, case aside (invitations_pending_email_index). */
function pendingInvitationTo(
  trx: Knex.Transaction,
  actor: Actor,
  group: Authorized<GroupRow>,
  email: string,
): Promise<InvitationRow | undefined> {
  return listInvitations(trx, actor, group)
    .whereRaw('lower(i.email) = lower(?)', [email])
    .whereNull('i.accepted_at')
    .whereNull('i.cancelled_at')
    .where('i.expires_at', '>', trx.fn.now())
    .first<InvitationRow | undefined>();
}

/**
 * Invites `email` to the group and mails the invitation, in `trx` — which must hold the
 * group's lock (findGroup `lock`) and then the inviter's (lockInviter), so that concurrent
 * invitations are counted one after the other. 429 past a limit, 409 if the address already has
 * a pending invitation to the group; either way nothing is written or mailed.
 */
export async function sendInvitation(
  trx: Knex.Transaction,
  baseUrl: string,
  actor: Actor,
  { group, inviter, email }: { group: Authorized<GroupRow>; inviter: Inviter; email: string },
): Promise<{ invitation: InvitationRow; code: string; joinUrl: string }> {
  const byInviter = await sentByInviterInLastDay(trx, actor);
  if (byInviter.sent >= INVITATIONS_PER_INVITER_PER_DAY)
    throw limitReached(
      `You have sent ${INVITATIONS_PER_INVITER_PER_DAY} invitations in the last 24 hours, the most a day.`,
      byInviter.retry,
    );
  const byGroup = await sentByGroupInLastHour(trx, actor, group);
  if ((byGroup?.sent ?? 0) >= INVITATIONS_PER_GROUP_PER_HOUR)
    throw limitReached(
      `This group has sent ${INVITATIONS_PER_GROUP_PER_HOUR} invitations in the last hour, the most an hour.`,
      byGroup?.retry ?? null,
    );
  const pending = await pendingInvitationTo(trx, actor, group, email);
  if (pending)
    throw conflict(
      `This address already has a pending invitation to the group (${pending.id}); cancel it to send a new one.`,
    );

  const { invitation, code } = await createInvitation(trx, actor, group, email);
  const joinUrl = joinUrlOf(baseUrl, code);
  await enqueueMail(trx, {
    to: invitation.email,
    subject: 'You are invited to a group on SeatShare',
    template: 'group-invitation',
    data: {
      inviterName: displayName(inviter.first_name, inviter.last_name), // made one line by enqueueMail
      groupName: group.name,
      link: joinUrl,
      expires: formatUtc(invitation.expires_at),
      email: invitation.email,
    },
  });
  return { invitation, code, joinUrl };
}

const UTC_FORMAT = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' });
/** "14 December 2026 at 17:21 UTC": the mail's expiry, and the join page's. */
export function formatUtc(date: Date): string {
  return `${UTC_FORMAT.format(date)} UTC`;
}

// --- What the join page may show --------------------------------------------------------------

/** What /join shows about a usable single-use invitation code. */
export interface InvitationPreview {
  groupName: string;
  inviterName: string | null; // null once the inviter's account is gone
  expiresAt: Date;
}

/**
 * The group and inviter behind a single-use invitation code that can still be used, for its
 * holder (the code is 256 bits: nobody finds one by guessing). A group's reusable join code
 * shows nothing here, it is shorter and often shared more widely than with whoever it was
 * meant for: its holder sees the group once they join. A read only: a GET of the link may be a
 * mail scanner's.
 */
export async function previewInvitation(db: Knex, code: string): Promise<InvitationPreview | undefined> {
  if (!code.startsWith('ssi_')) return undefined;
  const row = await invitationOpenedByCode(db, hashToken(code))
    .leftJoin('users as u', 'u.id', 'i.invited_by_id')
    .first<{ group_name: string; first_name: string | null; last_name: string | null; expires_at: Date } | undefined>(
      'g.name as group_name',
      'u.first_name',
      'u.last_name',
      'i.expires_at',
    );
  if (!row) return undefined;
  return {
    groupName: row.group_name,
    inviterName: row.first_name !== null && row.last_name !== null ? displayName(row.first_name, row.last_name) : null,
    expiresAt: row.expires_at,
  };
}
