// Lints an OpenAPI document with Redocly's recommended rules and Spectral's `spectral:oas`
// ruleset (issue #17), through the libraries the two CLIs are built on, and prints what each
// found as JSON: { redocly: [{severity, rule, message, where}], spectral: [...] }.
//
//   node scripts/lint-openapi.mjs openapi.json
//
// A script rather than an import in the jest test: @redocly/openapi-core is an ES module,
// which the test run (CommonJS through ts-jest) cannot load. test/api/openapi-lint.test.ts runs it.
import fs from 'node:fs';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import spectralCore from '@stoplight/spectral-core';
import spectralParsers from '@stoplight/spectral-parsers';
import spectralRulesets from '@stoplight/spectral-rulesets';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/lint-openapi.mjs <openapi.json>');
  process.exit(2);
}
const source = fs.readFileSync(file, 'utf8');

const redoclyProblems = await lintFromString({
  source,
  absoluteRef: file,
  config: await createConfig({ extends: ['recommended'] }),
});
const redocly = redoclyProblems.map((problem) => ({
  severity: problem.severity === 'error' ? 'error' : 'warning',
  rule: problem.ruleId,
  message: problem.message,
  where: problem.location?.[0]?.pointer ?? '',
}));

const spectral = new spectralCore.Spectral();
spectral.setRuleset({ extends: [[spectralRulesets.oas, 'recommended']] });
const spectralResults = await spectral.run(new spectralCore.Document(source, spectralParsers.Json, file));
const SPECTRAL_SEVERITY = ['error', 'warning', 'info', 'hint'];
const spectralFindings = spectralResults.map((result) => ({
  severity: SPECTRAL_SEVERITY[result.severity] ?? 'error',
  rule: String(result.code),
  message: result.message,
  where: result.path.join('.'),
}));

console.log(JSON.stringify({ redocly, spectral: spectralFindings }, null, 2));
