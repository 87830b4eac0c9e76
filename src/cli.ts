#!/usr/bin/env node
// The operator CLI (SPEC §1): `npm run cli -- <command>` or the installed `seatshare` bin.
// Exit codes: 0 done, 1 failed (message on stderr), 2 usage error (usage on stderr).
import { parseArgs } from 'node:util';
import type { Knex } from 'knex';
import { ConfigError, loadConfig, type Config } from './config';
import { createDatabase, migrateToLatest, type Database } from './db';
import { DataDirInUseError } from './db/data-dir-lock';
import type { z, ZodError } from 'zod';
import { createClient, newClientSchema, newRegistrationSchema } from './oauth/clients';
import { createUser, findUserByEmail, newUserSchema, type NewUser } from './users/users';
import { fromZodError } from './errors';
import { DemoRefused, runDemo } from './demo';
import { createLogger } from './logger';
import { SEED_PASSWORD, seedBulk } from './seed/bulk';

export const USAGE = `Usage: seatshare <command> [options] [--json]

Commands:
  migrate                       apply pending database migrations
  create-user --email <email> --password <password> --first-name <name> --last-name <name>
                                create an account
  create-client --name <name> --redirect-uri <uri> [--redirect-uri <uri> …] [--public] [--owner <email>]
                                register an OAuth client; prints client_id (and client_secret
                                for confidential clients, shown only this once)
  demo                          fill an empty database with demo users, a group, events,
                                tickets and a client, and print how to try it
  seed-bulk [--tickets <n>]     add a large generated dataset (default 100000 tickets) in
                                set-based SQL, for EXPLAIN and benchmarks
  help                          show this message

Options:
  --json                        print the result as JSON on stdout

The database is the one the server uses: DATABASE_URL, or the embedded one in DATA_DIR.`;

export class UsageError extends Error {}
/** A failure the operator can act on: printed as is, without a stack. */
export class CommandFailed extends Error {}

type Output = { json: unknown; text: string };
/** Arguments are checked before the database is opened, so usage errors are instant. */
interface Command<Input> {
  parse(args: string[]): Input;
  run(context: { knex: Knex; config: Config }, input: Input): Promise<Output>;
}

function options<T extends NonNullable<Parameters<typeof parseArgs>[0]>['options']>(args: string[], spec: T) {
  try {
    return parseArgs({ args, options: { ...spec, json: { type: 'boolean' } }, strict: true, allowPositionals: false })
      .values as Record<string, unknown>;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`Missing --${name}.`);
  return value;
}

function usageFromZod(error: ZodError): UsageError {
  const fields = fromZodError(error).options.fields ?? {};
  const lines = Object.entries(fields).map(
    ([field, messages]) => `  --${field.replace(/_/g, '-')}: ${messages.join(', ')}`,
  );
  return new UsageError(`Invalid values:\n${lines.join('\n')}`);
}

const migrate: Command<void> = {
  parse(args) {
    options(args, {});
  },
  async run({ knex }) {
    const applied = await migrateToLatest(knex);
    return {
      json: { applied },
      text: applied.length
        ? `Applied ${applied.length} migration(s):\n${applied.join('\n')}`
        : 'The database is up to date.',
    };
  },
};

const createUserCommand: Command<NewUser> = {
  parse(args) {
    const values = options(args, {
      email: { type: 'string' },
      password: { type: 'string' },
      'first-name': { type: 'string' },
      'last-name': { type: 'string' },
    });
    const parsed = newUserSchema.safeParse({
      email: required(values, 'email'),
      password: required(values, 'password'),
      first_name: required(values, 'first-name'),
      last_name: required(values, 'last-name'),
    });
    if (!parsed.success) throw usageFromZod(parsed.error);
    return parsed.data;
  },
  async run({ knex }, input) {
    await migrateToLatest(knex);
    if (await findUserByEmail(knex, input.email))
      throw new CommandFailed(`A user with the email ${input.email} already exists.`);
    const user = await createUser(knex, input, { verified: true });
    const json = { id: user.id, email: user.email, first_name: user.first_name, last_name: user.last_name };
    return { json, text: `Created user ${user.email} (${user.id}).` };
  },
};

const createClientCommand: Command<{ client: z.output<typeof newClientSchema>; ownerEmail: string | undefined }> = {
  parse(args) {
    const values = options(args, {
      name: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      public: { type: 'boolean' },
      owner: { type: 'string' },
    });
    const redirectUris = (values['redirect-uri'] as string[] | undefined) ?? [];
    if (redirectUris.length === 0) throw new UsageError('Missing --redirect-uri (give it once per URI).');
    const parsed = newRegistrationSchema.safeParse({
      // no new http://localhost (RFC 8252 §8.3)
      name: required(values, 'name'),
      redirect_uris: redirectUris,
      client_type: values.public ? 'public' : 'confidential',
    });
    if (!parsed.success) throw usageFromZod(parsed.error);
    return { client: parsed.data, ownerEmail: typeof values.owner === 'string' ? values.owner : undefined };
  },
  async run({ knex }, { client: input, ownerEmail }) {
    await migrateToLatest(knex);
    let ownerId: string | null = null;
    if (ownerEmail !== undefined) {
      const owner = await findUserByEmail(knex, ownerEmail);
      if (!owner) throw new CommandFailed(`No user has the email ${ownerEmail}.`);
      ownerId = owner.id;
    }
    const { client, clientSecret } = await createClient(knex, { ...input, owner_id: ownerId });
    const json = {
      client_id: client.client_id,
      ...(clientSecret ? { client_secret: clientSecret } : {}),
      name: client.name,
      client_type: client.client_type,
      redirect_uris: client.redirect_uris,
    };
    const text = [
      `Registered ${client.client_type} client "${client.name}".`,
      `client_id:     ${client.client_id}`,
      ...(clientSecret
        ? [`client_secret: ${clientSecret}`, 'Store the secret now: it is kept hashed and cannot be shown again.']
        : []),
      `redirect_uris: ${client.redirect_uris.join(' ')}`,
    ].join('\n');
    return { json, text };
  },
};

const demo: Command<void> = {
  parse(args) {
    options(args, {});
  },
  async run({ knex, config }) {
    await migrateToLatest(knex);
    return runDemo(knex, config.baseUrl);
  },
};

const seedBulkCommand: Command<{ tickets: number }> = {
  parse(args) {
    const values = options(args, { tickets: { type: 'string' } });
    const tickets = values.tickets === undefined ? 100_000 : Number(values.tickets);
    if (!Number.isInteger(tickets) || tickets < 1 || tickets > 10_000_000)
      throw new UsageError('--tickets must be a whole number from 1 to 10000000.');
    return { tickets };
  },
  async run({ knex }, input) {
    await migrateToLatest(knex);
    const started = Date.now();
    const result = await seedBulk(knex, input);
    const seconds = (Date.now() - started) / 1000;
    const text = [
      `Seeded ${result.tickets} tickets, ${result.events} events, ${result.users} users ` +
        `in ${result.groups} groups (${seconds.toFixed(1)} s).`,
      `Log in as any of them, e.g. ${result.sampleEmail}, password ${SEED_PASSWORD}.`,
    ].join('\n');
    return { json: { ...result, seconds }, text };
  },
};

// Method syntax in Command makes `input` bivariant, so each command keeps its own type.
const commands: Record<string, Command<unknown>> = {
  migrate,
  'create-user': createUserCommand,
  'create-client': createClientCommand,
  demo,
  'seed-bulk': seedBulkCommand,
};

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Opens the database from the settings; tests hand in their own. */
  openDatabase?: (config: Config) => Database;
}

export async function runCli(
  argv: string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    (name ? io.stdout : io.stderr).write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  // Own properties only: `seatshare constructor` or `__proto__` must not find Object's.
  const command = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!command) {
    io.stderr.write(`Unknown command "${name}".\n\n${USAGE}\n`);
    return 2;
  }
  const json = args.includes('--json');
  let db: Database | undefined;
  try {
    const input: unknown = command.parse(args);
    const config = loadConfig();
    db = io.openDatabase
      ? io.openDatabase(config)
      : createDatabase(config, {
          poolMax: 2,
          logger: createLogger(config.logLevel === 'silent' ? 'silent' : 'warn', 2),
        });
    const output = await command.run({ knex: db.knex, config }, input);
    io.stdout.write(json ? `${JSON.stringify(output.json, null, 2)}\n` : `${output.text}\n`);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`${error.message}\n\n${USAGE}\n`);
      return 2;
    }
    const known =
      error instanceof CommandFailed ||
      error instanceof DemoRefused ||
      error instanceof ConfigError ||
      error instanceof DataDirInUseError;
    io.stderr.write(`seatshare ${name}: ${known ? error.message : String((error as Error)?.stack ?? error)}\n`);
    return 1;
  } finally {
    await db?.close();
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
