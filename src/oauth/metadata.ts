// GET /.well-known/oauth-authorization-server (RFC 8414). `issuer` is exactly BASE_URL, the
// same string sent as `iss` with every authorization response (RFC 9207).
import { Router } from 'express';
import { SCOPES } from './scopes';

/** The grants this server offers: metadata, every client's allowed grants, the token endpoint's check. */
export const GRANT_TYPES: readonly string[] = ['authorization_code', 'refresh_token'];

export function metadataRoutes(issuer: string): Router {
  const router = Router();
  const metadata = {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    revocation_endpoint: `${issuer}/oauth/revoke`,
    introspection_endpoint: `${issuer}/oauth/introspect`,
    scopes_supported: [...SCOPES],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [...GRANT_TYPES],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    introspection_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    authorization_response_iss_parameter_supported: true,
    service_documentation: `${issuer}/docs`,
  };
  router.get('/.well-known/oauth-authorization-server', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').json(metadata);
  });
  return router;
}
