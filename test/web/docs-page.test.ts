// /docs is served from the installed swagger-ui-dist (the browser walk is test/e2e/docs.test.ts).
import request from 'supertest';
import { useTestDatabase } from '../helpers/db';
import { testApp } from '../helpers/app';

const db = useTestDatabase({ truncate: false });

it('serves the page, its own initializer and the package files it needs, from this server only', async () => {
  const app = testApp(db.db);
  const page = await request(app).get('/docs').expect(200).expect('Content-Type', /html/);
  const sources = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
  expect(sources.length).toBeGreaterThan(3);
  for (const source of sources) {
    expect(source.startsWith('/')).toBe(true);
    await request(app).get(source).expect(200);
  }
  const init = await request(app)
    .get('/docs/init.js')
    .expect(200)
    .expect('Content-Type', /javascript/);
  expect(init.text).toContain("url: '/api/v1/openapi.json'");
  expect(init.text).toContain('usePkceWithAuthorizationCodeGrant: true');
  await request(app).get('/docs/oauth2-redirect.html').expect(200);
  await request(app).get('/docs/oauth2-redirect.js').expect(200);
  // The package's own demo page and its pet-store initializer are not served.
  await request(app).get('/docs/index.html').expect(404);
  await request(app).get('/docs/swagger-initializer.js').expect(404);
});
