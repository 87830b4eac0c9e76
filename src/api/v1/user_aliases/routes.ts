// /api/v1/user_aliases (SPEC §5): names for people without an account. Yours and your mutual
// members' are visible; only yours can be changed (a mutual member's: 403).
import { Router, type RequestHandler } from 'express';
import type { Knex } from 'knex';
import type { Config } from '../../../config';
import { fetchPage, setPageHeaders } from '../../../http/pagination';
import { guardRoutes, resource } from '../../../http/routes';
import { parseBody, parseQuery } from '../../../http/validate';
import { actorOf } from '../../../policies/actor';
import { authorize } from '../../../policies/authorize';
import { mayChangeAlias } from '../../../policies/rules';
import { presentAlias, type AliasRow } from './presenter';
import { createAlias, deleteAlias, findAlias, listAliases, updateAlias } from './queries';
import { createAliasBody, listAliasesQuery, updateAliasBody } from './schema';

export function aliasRoutes(knex: Knex, config: Config, guards: RequestHandler[]): Router {
  const router = guardRoutes(Router(), ...guards);

  resource(router, '/user_aliases', {
    get: async (req, res) => {
      const actor = actorOf(req);
      const page = parseQuery(listAliasesQuery, req);
      const { rows, total } = await fetchPage<AliasRow>(knex, listAliases(knex, actor), page);
      setPageHeaders(req, res, config.baseUrl, page, total);
      res.json(rows.map(presentAlias));
    },
    post: async (req, res) => {
      const actor = actorOf(req);
      const alias = await createAlias(knex, actor, parseBody(createAliasBody, req));
      res.status(201).location(`${config.baseUrl}/api/v1/user_aliases/${alias.id}`).json(presentAlias(alias));
    },
  });

  const update: RequestHandler = async (req, res) => {
    const actor = actorOf(req);
    const changes = parseBody(updateAliasBody, req);
    const alias = authorize(await findAlias(knex, actor, String(req.params.id)), (found) => mayChangeAlias(actor, found));
    res.json(presentAlias(await updateAlias(knex, alias, changes)));
  };

  resource(router, '/user_aliases/:id', {
    get: async (req, res) => {
      res.json(presentAlias(authorize(await findAlias(knex, actorOf(req), String(req.params.id)))));
    },
    put: update,
    patch: update,
    delete: async (req, res) => {
      const actor = actorOf(req);
      await knex.transaction(async (trx) => {
        const alias = authorize(await findAlias(trx, actor, String(req.params.id)), (found) => mayChangeAlias(actor, found));
        await deleteAlias(trx, actor, alias);
      });
      res.status(204).end();
    },
  });

  return router;
}
