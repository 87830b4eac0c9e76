// GET /api/v1/openapi.json: the document, public (SPEC §4), built once per app on first use
// from the routes declared on the /api router.
import { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config';
import { endpoint, resource, type RegisteredRoute } from '../../http/routes';
import { buildOpenApiDocument } from './document';
import type { JsonSchema } from './json-schema';

export function openApiRoutes(config: Config, apiRoutes: () => RegisteredRoute[]): Router {
  const router = Router();
  let document: JsonSchema | undefined;
  resource(router, '/v1/openapi.json', {
    get: endpoint(
      {
        summary: 'This OpenAPI 3.1 document',
        description:
          'The document you are reading, built from the same schemas that validate requests, so it cannot ' +
          'drift from what the API accepts. Public: no token needed, readable from any origin.',
        public: true,
        responses: {
          200: { description: 'The OpenAPI document of the API.', body: z.record(z.string(), z.unknown()) },
        },
      },
      (_req, res) => {
        document ??= buildOpenApiDocument(apiRoutes(), config);
        res.json(document); // readable from any origin, as all of /api (http/cors.ts)
      },
    ),
  });
  return router;
}
