#!/usr/bin/env node
// Median latency of the authorization-code exchange against a running server:
//   node scripts/token-latency.mjs <base-url> <email> <password> <client_id> <client_secret> [n=200]
// Logs in through the form, approves the client once (consent is then remembered), and for
// each of n rounds gets a fresh code from /oauth/authorize and times only POST /oauth/token.
const [baseUrl, email, password, clientId, clientSecret, rounds = '200'] = process.argv.slice(2);
if (!clientSecret) {
  console.error('usage: node scripts/token-latency.mjs <base-url> <email> <password> <client_id> <client_secret> [n]');
  process.exit(2);
}
const CB = 'http://127.0.0.1:9999/cb';
let cookie = '';
async function go(path, form) {
  const res = await fetch(new URL(path, baseUrl), {
    method: form ? 'POST' : 'GET',
    redirect: 'manual',
    headers: { cookie, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    body: form ? new URLSearchParams(form) : undefined,
  });
  for (const c of res.headers.getSetCookie()) cookie = c.split(';')[0];
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}
const csrf = (html) => /name="_csrf" value="([^"]+)"/.exec(html)[1];
const login = await go('/login');
await go('/login', { _csrf: csrf(login.text), email, password });
const authorize = `/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: CB, scope: 'read write' })}`;
let step = await go(authorize);
if (step.status === 200) {
  const fields = Object.fromEntries([...step.text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1], m[2]]));
  step = await go('/oauth/authorize', { ...fields, decision: 'approve' });
}
const basic = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
const times = [];
for (let i = 0; i < Number(rounds); i += 1) {
  const code = new URL((await go(authorize)).location).searchParams.get('code');
  const started = performance.now();
  const res = await fetch(new URL('/oauth/token', baseUrl), {
    method: 'POST',
    headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CB }),
  });
  await res.json();
  times.push(performance.now() - started);
  if (res.status !== 200) throw new Error(`exchange ${i} failed: ${res.status}`);
}
times.sort((a, b) => a - b);
const pick = (q) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(2);
console.log(JSON.stringify({ rounds: times.length, median_ms: pick(0.5), p90_ms: pick(0.9), p99_ms: pick(0.99) }));
