// /api/v1/events (SPEC §5): events of your groups, past or future, by start time; group
// admins add, change and delete them.
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Config } from '../../../config';
import { conflict } from '../../../errors';
import { notModified, requireMatch, withTag } from '../../../http/conditional';
import { pageSender } from '../../../http/pagination';
import { sendSyncTime } from '../../../http/sync-point';
import { endpoint, guardRoutes, resource } from '../../../http/routes';
import { actorOf } from '../../../policies/actor';
import { authorize, referenced } from '../../../policies/authorize';
import { mayManageEvents } from '../../../policies/rules';
import { findGroup } from '../groups/public';
import { eventTag, eventView, presentEvent } from './presenter';
import { countEventTickets, createEvent, deleteEvent, findEvent, listEvents, updateEvent } from './queries';
import { createEventBody, deleteEventQuery, eventPath, listEventsQuery, updateEventBody } from './schema';

const MEMBER = "A member who is not an admin of the event's group.";

export function eventRoutes(knex: Knex, config: Config, guards: RequestHandler[]): Router {
  const router = guardRoutes(Router(), ...guards);
  const sendPage = pageSender(knex, config.baseUrl);

  resource(router, '/events', {
    get: endpoint(
      {
        summary: 'List events of your groups',
        description:
          '`show=future`: start ≥ now; `show=past`: start < now. Ordered by `start_time` (`ordering=-start_time`: ' +
          'newest first).',
        query: listEventsQuery,
        responses: { 200: { description: 'A page of events.', body: z.array(eventView), paginated: true } },
        errors: { 404: '`group_id` names a group that is not yours.' },
      },
      async (req, res, { query }) => {
        const actor = actorOf(req);
        const { limit, offset, show, group_id, ordering, updated_since } = query;
        const group = group_id === undefined ? undefined : authorize(await findGroup(knex, actor, group_id));
        if (updated_since !== undefined) await sendSyncTime(knex, res);
        const found = listEvents(knex, actor, { show, groupId: group?.id, ordering, updatedSince: updated_since });
        await sendPage(req, res, found, { limit, offset }, presentEvent);
      },
    ),
    post: endpoint(
      {
        summary: 'Add an event to a group',
        description: "The group's admins. `group_id` must be one of your groups (else 400).",
        body: createEventBody,
        responses: { 201: { description: 'The event.', body: eventView, location: true } },
        errors: { 403: MEMBER },
      },
      async (req, res, { body }) => {
        const actor = actorOf(req);
        const { group_id, ...fields } = body;
        const group = authorize(
          referenced(await findGroup(knex, actor, group_id), 'group_id', 'must be one of your groups'),
          mayManageEvents,
        );
        const event = authorize(await findEvent(knex, actor, await createEvent(knex, group, fields)));
        withTag(res, eventTag(event))
          .status(201)
          .location(`${config.baseUrl}/api/v1/events/${event.id}`)
          .json(presentEvent(event));
      },
    ),
  });

  const update = endpoint(
    {
      summary: 'Change an event',
      description: "The group's admins.",
      params: eventPath,
      body: updateEventBody,
      responses: { 200: { description: 'The updated event.', body: eventView } },
      errors: { 403: MEMBER },
    },
    async (req, res, { params, body }) => {
      const actor = actorOf(req);
      const updated = await knex.transaction(async (trx) => {
        const event = authorize(await findEvent(trx, actor, params.id, { lock: true }), mayManageEvents);
        requireMatch(req, eventTag(event));
        await updateEvent(trx, event, body);
        return findEvent(trx, actor, event.id);
      });
      const event = authorize(updated);
      withTag(res, eventTag(event)).json(presentEvent(event));
    },
  );

  resource(router, '/events/:id', {
    get: endpoint(
      {
        summary: 'Get an event',
        description: 'An event of one of your groups, with its ticket counts (yours among them).',
        params: eventPath,
        responses: { 200: { description: 'The event.', body: eventView } },
      },
      async (req, res, { params }) => {
        const event = authorize(await findEvent(knex, actorOf(req), params.id));
        if (notModified(req, res, eventTag(event))) return;
        res.json(presentEvent(event));
      },
    ),
    put: update,
    patch: update,
    delete: endpoint(
      {
        summary: 'Delete an event',
        description:
          "The group's admins. An event with tickets is deleted only with `?force=true`, and then with its tickets " +
          '(each deletion kept in ticket history).',
        params: eventPath,
        query: deleteEventQuery,
        responses: { 204: { description: 'Deleted.' } },
        errors: { 403: MEMBER, 409: 'The event has tickets and `force` is not `true`.' },
      },
      async (req, res, { params, query }) => {
        const actor = actorOf(req);
        await knex.transaction(async (trx) => {
          const event = authorize(await findEvent(trx, actor, params.id, { lock: true }), mayManageEvents);
          requireMatch(req, eventTag(event));
          // Not the row's ticket_counts: that was read before the lock was granted.
          const tickets = await countEventTickets(trx, actor, event);
          if (tickets > 0 && !query.force)
            throw conflict(
              `This event has ${tickets} ticket(s). Delete them first, or send ?force=true to delete them with it.`,
            );
          await deleteEvent(trx, actor, event);
        });
        res.status(204).end();
      },
    ),
  });

  return router;
}
