// /developer/applications (SPEC §2): a signed-in user registers and manages OAuth clients.
// The secret is shown once (on creation and on rotation) and kept only as a digest.
import { Router, type Request, type Response } from 'express';
import type { Knex } from 'knex';
import { z } from 'zod';
import { fromZodError, notFound } from '../errors';
import {
  createClient,
  deleteClientOfOwner,
  findClientOfOwner,
  listClientsOfOwner,
  newRegistrationSchema,
  registrableRedirectUris,
  rotateClientSecretOfOwner,
  updateClientOfOwner,
  type ClientRow,
} from '../oauth/clients';
import { userClientNameSchema } from '../oauth/client-names';
import { csrfProtection } from './csrf';
import { renderPage, requireLogin } from './render';

function redirectUrisFrom(text: unknown): string[] {
  return typeof text === 'string'
    ? text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean)
    : [];
}

// A user's registration: no name that poses as SeatShare, no new http://localhost redirect URI.
const registrationSchema = newRegistrationSchema.extend({ name: userClientNameSchema });

/** An edit: the same rules, except that redirect URIs the application already has may stay. */
const editSchema = (client: ClientRow) =>
  z.object({ name: userClientNameSchema, redirect_uris: registrableRedirectUris(client.redirect_uris) });

/** Field errors keyed by form field (`redirect_uris.1` → `redirect_uris`). */
function formErrors(error: z.ZodError): Record<string, string[]> {
  // A Map, like fromZodError: a field name must never meet Object.prototype's (`constructor`).
  const fields = new Map<string, string[]>();
  for (const [key, messages] of Object.entries(fromZodError(error).options.fields ?? {})) {
    const [name = key, index] = key.split('.');
    const prefix = index !== undefined ? `line ${Number(index) + 1}: ` : '';
    fields.set(name, [...(fields.get(name) ?? []), ...messages.map((m) => prefix + m)]);
  }
  return Object.fromEntries(fields);
}

export function developerPages(knex: Knex): Router {
  const router = Router();
  router.use('/developer', requireLogin);

  const ownClient = async (req: Request): Promise<ClientRow> => {
    const client = await findClientOfOwner(knex, req.user!.id, req.params.id as string);
    if (!client) throw notFound('There is no such application among yours.');
    return client;
  };

  const showCredentials = (req: Request, res: Response, client: ClientRow, secret: string | undefined, title: string) =>
    renderPage(req, res, 'developer/credentials', { title, application: client, secret }); // `client` is an ejs option

  /** The registration or edit form; with `zodError`, its 400 with the fields marked. */
  const showForm = (
    req: Request,
    res: Response,
    form: { title: string; application: ClientRow | null; values: object; action: string },
    zodError?: z.ZodError,
  ) => {
    if (!zodError) return renderPage(req, res, 'developer/form', form);
    const marked = { ...form, fieldErrors: formErrors(zodError), error: 'Please correct the marked fields.' };
    renderPage(req, res, 'developer/form', marked, 400);
  };

  router.get('/developer/applications', async (req, res) => {
    const clients = await listClientsOfOwner(knex, req.user!.id);
    renderPage(req, res, 'developer/list', { title: 'Your applications', clients });
  });

  router.get('/developer/applications/new', (req, res) => {
    showForm(req, res, {
      title: 'Register an application',
      application: null,
      values: {},
      action: '/developer/applications',
    });
  });

  router.post('/developer/applications', csrfProtection, async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const values = { name: body.name, redirect_uris: body.redirect_uris, client_type: body.client_type };
    const parsed = registrationSchema.safeParse({
      name: body.name,
      redirect_uris: redirectUrisFrom(body.redirect_uris),
      client_type: body.client_type,
      owner_id: req.user!.id,
    });
    if (!parsed.success) {
      const form = { title: 'Register an application', application: null, values, action: '/developer/applications' };
      return showForm(req, res, form, parsed.error);
    }
    const { client, clientSecret } = await createClient(knex, parsed.data);
    showCredentials(req, res, client, clientSecret, `${client.name} is registered`);
  });

  router.get('/developer/applications/:id', async (req, res) => {
    const client = await ownClient(req);
    const values = { name: client.name, redirect_uris: client.redirect_uris.join('\n') };
    showForm(req, res, {
      title: client.name,
      application: client,
      values,
      action: `/developer/applications/${client.id}`,
    });
  });

  router.post('/developer/applications/:id', csrfProtection, async (req, res) => {
    const client = await ownClient(req);
    const body = req.body as Record<string, unknown>;
    const values = { name: body.name, redirect_uris: body.redirect_uris };
    const parsed = editSchema(client).safeParse({
      name: body.name,
      redirect_uris: redirectUrisFrom(body.redirect_uris),
    });
    if (!parsed.success) {
      const form = { title: client.name, application: client, values, action: `/developer/applications/${client.id}` };
      return showForm(req, res, form, parsed.error);
    }
    await updateClientOfOwner(knex, req.user!.id, client.id, parsed.data);
    res.redirect(303, '/developer/applications');
  });

  router.post('/developer/applications/:id/rotate-secret', csrfProtection, async (req, res) => {
    const client = await ownClient(req);
    if (client.client_type !== 'confidential') throw notFound('Public applications have no secret.');
    const secret = await rotateClientSecretOfOwner(knex, req.user!.id, client.id);
    showCredentials(req, res, client, secret, `New secret for ${client.name}`);
  });

  router.post('/developer/applications/:id/delete', csrfProtection, async (req, res) => {
    const client = await ownClient(req);
    await deleteClientOfOwner(knex, req.user!.id, client.id); // codes, tokens, consents cascade
    res.redirect(303, '/developer/applications');
  });

  return router;
}
