// knex dialect for the embedded database: knex-pglite, with two fixes.
// 1. knex-pglite 0.14 turns the method `del` into the command "DEL", which knex's PostgreSQL
//    dialect does not know, so `.del()` resolved to a raw result object instead of the number
//    of deleted rows. Mapping `del` to `delete` restores the count (see toolchain notes §4.1).
// 2. PGlite's errors carry the query's bound values (`params`): session ids, join codes and
//    emails would reach the error log with them. They are dropped, as pg's errors never had them.
import ClientPgLite from 'knex-pglite';

interface QueryObject {
  method?: string;
}

const Base = ClientPgLite as unknown as new (config: unknown) => {
  processResponse(obj: QueryObject, runner: unknown): unknown;
  _query(connection: unknown, obj: QueryObject): Promise<unknown>;
};

export class PgliteClient extends Base {
  override processResponse(obj: QueryObject, runner: unknown): unknown {
    return super.processResponse(obj?.method === 'del' ? { ...obj, method: 'delete' } : obj, runner);
  }

  override async _query(connection: unknown, obj: QueryObject): Promise<unknown> {
    try {
      return await super._query(connection, obj);
    } catch (error) {
      if (error && typeof error === 'object') delete (error as { params?: unknown }).params;
      throw error;
    }
  }
}
