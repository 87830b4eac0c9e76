// Builds the Express application from its dependencies; listening is server.ts's job, so
// tests drive the same app through supertest.
//
//   /healthz, /readyz                       no session
//   /.well-known/…, /oauth/token|revoke|introspect   OAuth JSON dialect, no session
//   /api/…                                  JSON API: conventions, token authentication
//   everything else                         pages: session, passport, CSRF on forms
import express, { Router } from 'express';
import helmet from 'helmet';
import pinoHttp from 'pino-http';
import type { Config } from './config';
import type { Database } from './db';
import type { Logger } from './logger';
import { apiConventions } from './http/api-conventions';
import { crossOriginAccess } from './http/cors';
import { apiRouteNotFound, errorHandler, markApiRequest, pageNotFound } from './http/error-handler';
import { healthRoutes } from './http/health';
import { requestId } from './http/request-id';
import { createShutdownController, type ShutdownController } from './http/shutdown';
import { createRateLimiters, type RateLimiters } from './http/rate-limits';
import { httpsOnly } from './http/https-only';
import { PUBLIC_DIR, VIEWS_DIR } from './paths';
import { apiAuthentication } from './auth/api-authentication';
import { authenticateRoute } from './auth/authenticate-route';
import { createPassport } from './auth/passport';
import { createOAuthServer, tokenRequestModels } from './oauth/server';
import { authorizationEndpoint } from './oauth/authorize';
import { consentPage } from './web/consent-page';
import { tokenRoutes } from './oauth/token';
import { revocationRoutes } from './oauth/revocation';
import { metadataRoutes } from './oauth/metadata';
import { oauthErrorHandler } from './oauth/protocol';
import { apiV1Routes } from './api/v1';
import { docsRoutes } from './web/docs';
import { joinPage } from './web/join-page';
import { openApiRoutes } from './api/openapi/routes';
import { mount, registeredRoutes } from './http/routes';
import { redactUrl } from './http/log-redaction';
import { sessionMiddleware, createSessionStore } from './web/session';
import { authPages } from './web/auth-pages';
import { developerPages } from './web/developer-pages';
import { accountPages } from './web/account-pages';
import { verificationPages } from './web/verification-pages';
import { sessionsPage } from './web/sessions-page';
import { emailChangePage } from './web/email-change-page';
import { accountDeletionPage } from './web/account-deletion-page';
import { passwordPages } from './web/password-pages';
import { devMailPages } from './web/dev-mail';

export interface AppDependencies {
  config: Config;
  db: Database;
  logger: Logger;
  shutdown?: ShutdownController;
  rateLimiters?: RateLimiters;
}

export interface AppOptions {
  /** Extra routes mounted inside /api behind the API conventions (tests of the error model). */
  mountApiRoutes?: (api: Router) => void;
}

export function createApp(
  {
    config,
    db,
    logger,
    shutdown = createShutdownController(),
    rateLimiters = createRateLimiters(config),
  }: AppDependencies,
  options: AppOptions = {},
) {
  const knex = db.knex;
  const app = express();
  app.set('trust proxy', config.trustProxy);
  app.set('query parser', 'simple'); // flat query strings: ?a[b]=c stays a plain string key
  app.set('views', VIEWS_DIR);
  app.set('view engine', 'ejs');
  app.disable('x-powered-by');

  app.use(
    pinoHttp({
      logger,
      genReqId: requestId,
      quietReqLogger: true,
      serializers: {
        req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          url: redactUrl(req.url),
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  const production = config.env === 'production';
  app.use(
    helmet({
      // HSTS and upgrade-insecure-requests only where HTTPS is guaranteed (SPEC §4): on a
      // developer's http://localhost they would break the pages.
      strictTransportSecurity: production,
      frameguard: { action: 'deny' }, // login and consent pages must not be framed (RFC 9700 §4.16)
      contentSecurityPolicy: {
        directives: {
          defaultSrc: ["'self'"],
          formAction: ["'self'"], // the consent page widens this to its redirect_uri
          frameAncestors: ["'none'"],
          styleSrc: ["'self'"],
          scriptSrc: ["'self'"],
          upgradeInsecureRequests: production ? [] : null,
        },
      },
    }),
  );
  app.use(shutdown.closeConnections);
  if (production) app.use(httpsOnly(config.baseUrl));
  app.use('/static', express.static(PUBLIC_DIR, { maxAge: '1h', index: false }));
  app.get('/favicon.ico', (_req, res) => void res.status(204).end()); // browsers ask on every page

  app.use(healthRoutes(knex, () => shutdown.isShuttingDown()));
  app.use(docsRoutes());
  app.use(crossOriginAccess()); // CORS and CORP for the API and the token endpoints only (http/cors.ts)

  // The authorization server's machine endpoints speak OAuth JSON, even when they fail.
  const oauth = createOAuthServer(knex, config);
  const protocol = Router();
  protocol.use(metadataRoutes(config.baseUrl));
  protocol.use(tokenRoutes(oauth, rateLimiters.tokenEndpoints, tokenRequestModels(knex, config)));
  protocol.use(revocationRoutes(knex, config, rateLimiters.tokenEndpoints));
  protocol.use(oauthErrorHandler);
  app.use(protocol);

  const loginLimits = rateLimiters.failedLogins;
  const api = Router();
  api.use(markApiRequest, apiConventions);
  mount(api, '', authenticateRoute(knex, [...loginLimits, rateLimiters.tokenMint]));
  options.mountApiRoutes?.(api);
  mount(api, '/v1', apiV1Routes(knex, config, [apiAuthentication(knex), rateLimiters.apiPerToken]));
  mount(
    api,
    '',
    openApiRoutes(config, () => registeredRoutes(api)),
  );
  api.use(apiRouteNotFound);
  app.use('/api', api);

  const passport = createPassport(knex);
  const pages = Router();
  pages.use(sessionMiddleware(config, createSessionStore(knex)));
  pages.use(passport.session());
  pages.use(express.urlencoded({ extended: false, limit: '100kb' }));
  pages.use(authPages(knex, passport, loginLimits, rateLimiters.signup, config.baseUrl));
  pages.use(verificationPages(knex, config.baseUrl));
  pages.use(consentPage(authorizationEndpoint(knex, oauth, config), knex));
  pages.use(developerPages(knex));
  pages.use(accountPages(knex));
  pages.use(sessionsPage(knex));
  pages.use(passwordPages(knex, config, rateLimiters.passwordReset, rateLimiters.passwordChange));
  pages.use(accountDeletionPage(knex, config.baseUrl, rateLimiters.passwordChange));
  pages.use(emailChangePage(knex, config, rateLimiters.passwordChange));
  pages.use(joinPage(knex));
  if (!production) pages.use(devMailPages(config.dataDir)); // mail written to disk (SPEC §7)
  pages.use(pageNotFound);
  app.use(pages);

  app.use(errorHandler);
  return app;
}
