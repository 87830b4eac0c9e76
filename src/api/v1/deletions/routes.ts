// /api/v1/deletions (SPEC §8, delta sync): the records that left your view since a sync point,
// so a client that syncs incrementally can drop them. Tombstones are kept for
// DELETIONS_RETENTION_DAYS; a `since` older than that is 410 (resync fully).
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Config } from '../../../config';
import { HttpError } from '../../../errors';
import { pageSender } from '../../../http/pagination';
import { endpoint, guardRoutes, resource } from '../../../http/routes';
import { readSyncPoint, SYNC_TIME_HEADER } from '../../../http/sync-point';
import { actorOf } from '../../../policies/actor';
import { deletionView, presentDeletion } from './presenter';
import { listDeletions } from './queries';
import { listDeletionsQuery } from './schema';

export function deletionRoutes(knex: Knex, config: Config, guards: RequestHandler[]): Router {
  const router = guardRoutes(Router(), ...guards);
  const sendPage = pageSender(knex, config.baseUrl);
  const retentionDays = config.deletionsRetentionDays;

  resource(router, '/deletions', {
    get: endpoint(
      {
        summary: 'Records that left your view (delta sync)',
        description:
          'Deleted tickets, events and aliases, and groups you lost (you left or were removed, or the group was ' +
          'deactivated) together with their events and tickets, each `{type, id, deleted_at}`, oldest first. ' +
          'A sync round: `GET /deletions?since=S` first (keep its `X-Sync-Time` as the next S), drop what it ' +
          'lists, then fetch each list with `updated_since=S` and upsert what they return. Start with ' +
          '`GET /deletions` without `since`: an empty page whose `X-Sync-Time` is your first S, then fetch the ' +
          `lists in full. Tombstones are kept ${retentionDays} days (DELETIONS_RETENTION_DAYS).`,
        query: listDeletionsQuery,
        responses: {
          200: {
            description: 'A page of deletions; `X-Sync-Time` is the `since` of your next round.',
            body: z.array(deletionView),
            paginated: true,
          },
        },
        errors: { 410: '`since` is older than the tombstones kept: fetch every list in full, then sync from there.' },
      },
      async (req, res, { query }) => {
        const actor = actorOf(req);
        const { limit, offset, since } = query;
        const point = await readSyncPoint(knex, since, retentionDays);
        if (point.beforeRetention) throw tooOld(retentionDays);
        res.set(SYNC_TIME_HEADER, point.syncTime);
        if (since === undefined) {
          res.set('X-Total-Count', '0').json([]);
          return;
        }
        await sendPage(req, res, listDeletions(knex, actor, since), { limit, offset }, presentDeletion);
      },
    ),
  });

  return router;
}

function tooOld(retentionDays: number): HttpError {
  return new HttpError(
    410,
    `Deletions are kept for ${retentionDays} days and \`since\` is older: what left your view before then is ` +
      'no longer known. Resync fully: GET /api/v1/deletions without `since` for a new sync point, then fetch ' +
      'every list without `updated_since`.',
  );
}
