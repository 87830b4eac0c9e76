// GET /docs: interactive documentation of /api/v1/openapi.json with Swagger UI, served from
// the installed swagger-ui-dist package (no CDN: the page works offline). Its Authorize button
// runs the OAuth authorization code flow with PKCE against this server, for a public client
// whose redirect URI is BASE_URL/docs/oauth2-redirect.html (the demo registers one and prints
// a /docs?client_id=… link), or takes a personal token.
import path from 'node:path';
import express, { Router } from 'express';

const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));
// The files the page needs; the package's own index.html and initializer (the pet store) stay out.
const ASSETS = new Set([
  '/swagger-ui.css',
  '/swagger-ui-bundle.js',
  '/oauth2-redirect.html',
  '/oauth2-redirect.js',
  '/favicon-32x32.png',
]);

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>SeatShare API documentation</title>
  <link rel="icon" href="/docs/favicon-32x32.png">
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <noscript>
    This page needs JavaScript. The document itself is at <a href="/api/v1/openapi.json">/api/v1/openapi.json</a>.
  </noscript>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

// A script file rather than an inline script: the CSP allows scripts from 'self' only.
const INIT = `"use strict";
var clientId = new URLSearchParams(window.location.search).get('client_id') || '';
window.ui = SwaggerUIBundle({
  url: '/api/v1/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect.html',
});
window.ui.initOAuth({ clientId: clientId, scopes: ['read', 'write'], usePkceWithAuthorizationCodeGrant: true });
`;

export function docsRoutes(): Router {
  const router = Router();
  const staticAssets = express.static(SWAGGER_UI_DIR, { index: false, maxAge: '1h' });
  router.get('/docs', (_req, res) => {
    res.type('html').send(PAGE);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.type('js').send(INIT);
  });
  router.use('/docs', (req, res, next) => (ASSETS.has(req.path) ? staticAssets(req, res, next) : next()));
  return router;
}
