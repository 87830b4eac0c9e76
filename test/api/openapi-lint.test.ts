// The OpenAPI document lints clean (issue #17, SPEC §8): zero errors with Redocly's recommended
// rules and Spectral's `spectral:oas`. Warnings are listed here by rule and place, so a new one
// fails this test and is either fixed or added with the reason it stays.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { useTestDatabase } from '../helpers/db';
import { testApp } from '../helpers/app';

const db = useTestDatabase();

interface Finding {
  severity: 'error' | 'warning' | 'info' | 'hint';
  rule: string;
  message: string;
  where: string;
}

/** Warnings that stay, each with why. */
const ACCEPTED_WARNINGS: Array<{ rule: string; where: string; why: string }> = [
  {
    rule: 'no-server-example.com',
    where: '#/servers/0/url',
    why: 'the server URL is BASE_URL: http://localhost:3000 in development and tests, the real host in production',
  },
];

function lint(document: unknown): { redocly: Finding[]; spectral: Finding[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seatshare-openapi-'));
  try {
    const file = path.join(dir, 'openapi.json');
    fs.writeFileSync(file, JSON.stringify(document));
    const run = spawnSync(process.execPath, ['scripts/lint-openapi.mjs', file], { encoding: 'utf8', timeout: 60_000 });
    if (run.status !== 0) throw new Error(`the linter failed (${run.status}): ${run.stderr}`);
    return JSON.parse(run.stdout) as { redocly: Finding[]; spectral: Finding[] };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const summary = (findings: Finding[]) => findings.map(({ rule, where, message }) => `${rule} at ${where}: ${message}`);

describe('the OpenAPI document', () => {
  let findings: { redocly: Finding[]; spectral: Finding[] };
  beforeAll(async () => {
    const document: unknown = (await request(testApp(db.db)).get('/api/v1/openapi.json').expect(200)).body;
    findings = lint(document);
  }, 90_000);

  it('has no error with Redocly (recommended) or Spectral (spectral:oas)', () => {
    expect(summary(findings.redocly.filter((f) => f.severity === 'error'))).toEqual([]);
    expect(summary(findings.spectral.filter((f) => f.severity === 'error'))).toEqual([]);
  });

  it('has no warning but the accepted ones', () => {
    const accepted = (f: Finding) => ACCEPTED_WARNINGS.some((w) => w.rule === f.rule && w.where === f.where);
    const warnings = [...findings.redocly, ...findings.spectral].filter((f) => f.severity !== 'error');
    expect(summary(warnings.filter((f) => !accepted(f)))).toEqual([]);
  });

  it('catches a broken document: the check can fail', () => {
    const broken = lint({ openapi: '3.1.0', info: { title: 'x' }, paths: { '/a': { get: { responses: {} } } } });
    expect(broken.redocly.filter((f) => f.severity === 'error').length).toBeGreaterThan(0);
    expect(broken.spectral.filter((f) => f.severity === 'error').length).toBeGreaterThan(0);
  });
});
