// /api/v1/user_aliases (SPEC §5): names for people without an account. Yours and your mutual
// members' are visible; only yours can be changed (a mutual member's: 403).
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import type { Config } from '../../../config';
import { notModified, requireMatch, withTag } from '../../../http/conditional';
import { pageSender } from '../../../http/pagination';
import { sendSyncTime } from '../../../http/sync-point';
import { endpoint, guardRoutes, resource } from '../../../http/routes';
import { actorOf } from '../../../policies/actor';
import { authorize } from '../../../policies/authorize';
import { mayChangeAlias } from '../../../policies/rules';
import { aliasTag, aliasView, presentAlias } from './presenter';
import { createAlias, deleteAlias, findAlias, listAliases, updateAlias } from './queries';
import { aliasPath, createAliasBody, listAliasesQuery, updateAliasBody } from './schema';

const NOT_YOURS = "A mutual member's alias.";

export function aliasRoutes(knex: Knex, config: Config, guards: RequestHandler[]): Router {
  const router = guardRoutes(Router(), ...guards);
  const sendPage = pageSender(knex, config.baseUrl);

  resource(router, '/user_aliases', {
    get: endpoint(
      {
        summary: "List your aliases and your mutual members'",
        description: 'Aliases you made and those of people who share a group with you, to assign seats to.',
        query: listAliasesQuery,
        responses: { 200: { description: 'A page of aliases.', body: z.array(aliasView), paginated: true } },
      },
      async (req, res, { query }) => {
        const { updated_since, ...page } = query;
        if (updated_since !== undefined) await sendSyncTime(knex, res);
        await sendPage(req, res, listAliases(knex, actorOf(req), { updatedSince: updated_since }), page, presentAlias);
      },
    ),
    post: endpoint(
      {
        summary: 'Add an alias',
        description: 'A name for a person without an account; always yours (`user_id` is not an input).',
        body: createAliasBody,
        responses: { 201: { description: 'The alias.', body: aliasView, location: true } },
      },
      async (req, res, { body }) => {
        const alias = await createAlias(knex, actorOf(req), body);
        withTag(res, aliasTag(alias))
          .status(201)
          .location(`${config.baseUrl}/api/v1/user_aliases/${alias.id}`)
          .json(presentAlias(alias));
      },
    ),
  });

  const update = endpoint(
    {
      summary: 'Change your alias',
      description: "Only your own aliases; a mutual member's is 403.",
      params: aliasPath,
      body: updateAliasBody,
      responses: { 200: { description: 'The updated alias.', body: aliasView } },
      errors: { 403: NOT_YOURS },
    },
    async (req, res, { params, body }) => {
      const actor = actorOf(req);
      const updated = await knex.transaction(async (trx) => {
        const alias = authorize(await findAlias(trx, actor, params.id, { lock: true }), (found) =>
          mayChangeAlias(actor, found),
        );
        requireMatch(req, aliasTag(alias));
        return updateAlias(trx, alias, body);
      });
      withTag(res, aliasTag(updated)).json(presentAlias(updated));
    },
  );

  resource(router, '/user_aliases/:id', {
    get: endpoint(
      {
        summary: 'Get an alias',
        description: "Yours or a mutual member's.",
        params: aliasPath,
        responses: { 200: { description: 'The alias.', body: aliasView } },
      },
      async (req, res, { params }) => {
        const alias = authorize(await findAlias(knex, actorOf(req), params.id));
        if (notModified(req, res, aliasTag(alias))) return;
        res.json(presentAlias(alias));
      },
    ),
    put: update,
    patch: update,
    delete: endpoint(
      {
        summary: 'Delete your alias',
        description: 'Tickets that used it lose it (recorded in their history).',
        params: aliasPath,
        responses: { 204: { description: 'Deleted.' } },
        errors: { 403: NOT_YOURS },
      },
      async (req, res, { params }) => {
        const actor = actorOf(req);
        await knex.transaction(async (trx) => {
          const alias = authorize(await findAlias(trx, actor, params.id, { lock: true }), (found) =>
            mayChangeAlias(actor, found),
          );
          requireMatch(req, aliasTag(alias));
          await deleteAlias(trx, actor, alias);
        });
        res.status(204).end();
      },
    ),
  });

  return router;
}
