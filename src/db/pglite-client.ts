// knex dialect for the embedded database: knex-pglite, with one fix.
// knex-pglite 0.14 turns the method `del` into the command "DEL", which knex's PostgreSQL
// dialect does not know, so `.del()` resolved to a raw result object instead of the number
// of deleted rows. Mapping `del` to `delete` restores the count (see toolchain notes §4.1).
import ClientPgLite from 'knex-pglite';

interface QueryObject {
  method?: string;
}

const Base = ClientPgLite as unknown as new (config: unknown) => {
  processResponse(obj: QueryObject, runner: unknown): unknown;
};

export class PgliteClient extends Base {
  override processResponse(obj: QueryObject, runner: unknown): unknown {
    return super.processResponse(obj?.method === 'del' ? { ...obj, method: 'delete' } : obj, runner);
  }
}
