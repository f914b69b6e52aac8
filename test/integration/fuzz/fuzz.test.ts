import crypto from 'node:crypto';
import http from 'node:http';
import { sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { startTestApp, type TestContext } from '../../support/app';
import { makeMember, makeOrg, makeUser, PASSWORD } from '../../support/factories';
import { helpFixture } from '../../support/matching';
import { servedRoutes } from '../../support/routes';
import { listen } from '../../support/server';
import { WebClient } from '../../support/web-client';
import { prng } from '../../../server/lib/prng';
import { buildRosterTemplate } from '../../../server/children/roster-file';

/**
 * Hostile input against every route Express serves (read from its router, so new routes are
 * fuzzed without edits), anonymous and signed in as each kind of user, with a valid CSRF token on
 * most posts so the body reaches validation. Nothing may answer 5xx or leak a stack trace or an
 * internal path, and no table's contents may change — except these, which record the attempts
 * themselves: sessions, log-in failures, the audit trail, notifications, the mail outbox, socket
 * attachments and roster imports (an upload's own log).
 * Seeded: rerun a failure with FUZZ_SEED=<seed printed below>.
 */
const SEED = Number(process.env.FUZZ_SEED ?? crypto.randomInt(2 ** 31));
const LEGITIMATELY_CHANGING = new Set(['sessions', 'login_failures', 'audit_entries', 'notifications', 'outbox', 'socket_io_attachments', 'roster_imports']);
/** Valid with any body: they would act, which is not what this test is about (the matrix and their own tests cover them). */
const NOT_FUZZED = new Set(['POST /logout', 'POST /admin/matching/run']);
const PER_ROUTE_AND_ROLE = Number(process.env.FUZZ_PER_ROUTE ?? 3);
const LEAK = /\n\s+at |node_modules|\.ts:\d+|\/server\/|\/work\/|stack/i;
const NO_SUCH = '00000000-0000-4000-8000-000000000000';

const random = prng(SEED);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
const int = (n: number) => Math.floor(random() * n);

/** Strings nobody should accept: each carries a NUL, a lone surrogate, is far too long, or is formula/markup/traversal junk with one of those. */
function hostileString(): string {
  const core = pick(['', ' ', 'a', '测试', '=cmd|\' /C calc\'!A0', '+1+1', '-2-3', '@SUM(A1)', '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '../../etc/passwd', '%zz%', '\u202e\u200b\ufeff', '𠀀𠀁👨‍👩‍👧', "' or 1=1 --", '${7*7}{{7*7}}', '1e309', '-0', 'NaN']);
  switch (int(4)) {
    case 0:
      return `${core}\u0000${core}`;
    case 1:
      return `${core}\ud800`;
    case 2:
      return core.repeat(1 + int(3)) + 'x'.repeat(8_000 + int(4_000)) + '\u0000';
    default:
      return `\u0000${core}\udfff`;
  }
}

const FIELD_NAMES = ['email', 'password', 'newPassword', 'currentPassword', 'displayName', 'name', 'kind', 'creditCode', 'roles', 'decision', 'reason', 'locale', 'back', 'giftAmount', 'spendingAmount', 'amount', 'method', 'receivedOn', 'spentOn', 'receiptNumber', 'organizationId', 'projectId', 'pairingId', 'needIds', 'childName', 'idNumber', 'villageCode', 'childClass', 'riskLevel', 'difficultyType', 'needKind', 'urgency', 'needDescription', 'visitedOn', 'findings', 'title', 'description', 'regionCodes', 'minAge', 'maxAge', 'capacity', 'startOn', 'endOn', 'roleTitle', 'roleKind', 'slots', 'skills', 'motivation', 'travelKm', 'messageBody', 'concern', 'workedOn', 'hours', 'task', 'minutes', 'notes', 'outcome', 'evaluation', 'frequency', 'disclosureKind', 'periodStart', 'periodEnd', 'category', 'payeeType', 'spendingDescription', 'closingNote', 'action', 'nickname', 'page', 'region', '__proto__', 'constructor[prototype][x]'];

function hostileValue(depth = 0): unknown {
  switch (int(depth > 3 ? 3 : 6)) {
    case 0:
    case 1:
    case 2:
      return hostileString();
    case 3:
      return Array.from({ length: 1 + int(4) }, () => hostileValue(depth + 1));
    case 4:
      return Object.fromEntries(Array.from({ length: 1 + int(3) }, () => [pick(FIELD_NAMES), hostileValue(depth + 1)]));
    default:
      return pick([null, true, false, 0, -1, 1e308, Number.MAX_SAFE_INTEGER + 2, {}, []]);
  }
}

/** A form body as bytes: deep/duplicate keys, bracket nesting, bad percent-encoding, NULs. */
function formBody(csrf: string | undefined): string {
  const parts: string[] = [];
  if (csrf) parts.push(`_csrf=${csrf}`);
  for (let i = 0, n = 1 + int(8); i < n; i++) {
    const name = pick(FIELD_NAMES);
    const key = pick([name, `${name}[]`, `${name}[a][b][c][d][e][f]`, `${name}[0]`, '[]', '%zz', `${name}%00`, 'a'.repeat(5000)]);
    const value = pick([pct(hostileString()), '%zz', '%E4%B8', '%00', '%ud800', '%', pct(hostileString()) + '&' + key + '=' + '%C0%AF']);
    parts.push(`${key}=${value}`);
    if (random() < 0.3) parts.push(`${key}=${value}`);
  }
  if (random() < 0.1) parts.push('x=' + '['.repeat(500));
  return parts.join('&');
}

function jsonBody(csrf: string | undefined): string {
  const shape = int(6);
  if (shape === 0) return '{"a":' .repeat(400) + '1' + '}'.repeat(400);
  if (shape === 1) return `{"_csrf":"${csrf ?? ''}","email":"a","email":"b","__proto__":{"isPlatformAdmin":true}}`;
  if (shape === 2) return '{"unterminated": "\u0000';
  if (shape === 3) return JSON.stringify([hostileValue(), hostileValue()]);
  return JSON.stringify({ _csrf: csrf, ...Object.fromEntries(Array.from({ length: 1 + int(6) }, () => [pick(FIELD_NAMES), hostileValue()])) });
}

function multipartBody(csrf: string | undefined): { type: string; body: Buffer } {
  const boundary = `----fuzz${int(1e9)}`;
  const part = (name: string, value: string | Buffer, filename?: string, type = 'application/octet-stream') =>
    Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"${filename ? `; filename="${filename}"` : ''}\r\n${filename ? `Content-Type: ${type}\r\n` : ''}\r\n`), Buffer.isBuffer(value) ? value : Buffer.from(value), Buffer.from('\r\n')]);
  const pieces: Buffer[] = [];
  if (csrf) pieces.push(part('_csrf', csrf));
  const kind = int(5);
  if (kind === 0) pieces.push(part('file', crypto.randomBytes(1_000 + int(50_000)), pick(['roster.xlsx', 'a.csv', '../../x.pdf', 'évidence.png', 'x\u0000.xlsx'])));
  else if (kind === 1) pieces.push(part(pick(['file', 'evidence']), Buffer.alloc(300_000, 0x41), 'big.xlsx'));
  else if (kind === 2) pieces.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="cut.xlsx"\r\n\r\nPK\u0003\u0004`)); // never closed
  else if (kind === 3) for (let i = 0; i < 60; i++) pieces.push(part(`f${i}`, hostileString().slice(0, 100), `${i}.png`, 'image/png'));
  else pieces.push(part(pick(FIELD_NAMES), hostileString()));
  if (kind !== 2) pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return { type: pick([`multipart/form-data; boundary=${boundary}`, 'multipart/form-data', `multipart/form-data; boundary="${boundary}"; charset=utf-7`]), body: Buffer.concat(pieces) };
}

/** A path parameter of some shape: well-formed but unknown, or malformed. GETs also try the fixture's real ids. */
function paramValue(name: string, real: Record<string, string>, method: string): string {
  const shapes = [NO_SUCH, 'x', '0', '-1', '%zz', '%00', '..%2F..%2Fetc', 'a'.repeat(300), encodeURIComponent('测试'), encodeURIComponent('<script>'), '%E4%B8', "1'or'1", NO_SUCH.toUpperCase(), `${NO_SUCH}%20`, 'csv', 'json', 'xlsx', 'pdf', 'VC-2345-6789-AB'];
  if (method === 'GET' && real[name] && random() < 0.4) return real[name];
  return pick(shapes);
}

function queryString(): string {
  if (random() < 0.3) return '';
  const pairs = Array.from({ length: 1 + int(5) }, () => `${pick(['page', 'region', 'kind', 'class', 'age', 'urgency', 'q', 'organization', 'expired', 'back', 'format', 'page[]', 'page[a]', 'region[__proto__]'])}=${pick(['%zz', '-1', '99999999999999999999', pct(hostileString().slice(0, 200)), '', '%00', 'NaN', '1e9', encodeURIComponent('javascript:alert(1)')])}`);
  return '?' + pairs.join('&');
}

function oddHeaders(): Record<string, string> {
  const h: Record<string, string> = {};
  if (random() < 0.3) h['accept'] = pick(['application/json', '*/*', 'text/html;q=0.1, application/json', 'x/\u00ff']);
  if (random() < 0.3) h['accept-language'] = pick(['en', 'zz', 'en-US,en;q=0.9,zh;q=abc', '*', ';;;'.repeat(100)]);
  if (random() < 0.2) h['x-request-id'] = pick(['x', 'a'.repeat(1000), '../../', '<script>']);
  if (random() < 0.2) h['x-forwarded-for'] = pick(['999.999.1.1', 'unknown', '::1, 10.0.0.1, ' + 'x'.repeat(100)]);
  if (random() < 0.1) h['content-length-x'] = '-1';
  if (random() < 0.1) h['range'] = 'bytes=999999999-';
  if (random() < 0.1) h['if-none-match'] = '*';
  return h;
}

/** Percent-encodes as a browser would; a lone surrogate becomes its (invalid) UTF-8 bytes %ED%A0%80. */
function pct(s: string): string {
  let out = '';
  for (const ch of s) {
    try {
      out += encodeURIComponent(ch);
    } catch {
      out += '%ED%A0%80';
    }
  }
  return out;
}

interface Answer {
  status: number;
  body: string;
}

/** A raw HTTP request, so malformed paths, bodies and headers reach the server as sent. */
function send(base: string, method: string, path: string, headers: Record<string, string>, body?: string | Buffer): Promise<Answer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path, headers: { ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    // The server may close the connection on an oversize body before reading it all: that is a refusal, not a failure.
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? resolve({ status: 413, body: '' }) : reject(err)));
    // Every request must be answered: one left hanging is a failure too.
    req.setTimeout(15_000, () => {
      resolve({ status: 599, body: 'no answer within 15 s' });
      req.destroy();
    });
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** md5 of every table's rows, in a stable order. */
async function checksums(ctx: TestContext): Promise<Record<string, string>> {
  const tables = (await ctx.database.db.execute(sql`select tablename from pg_tables where schemaname = 'public' order by tablename`)) as unknown as { rows: Array<{ tablename: string }> };
  const out: Record<string, string> = {};
  for (const { tablename } of tables.rows) {
    if (LEGITIMATELY_CHANGING.has(tablename) || tablename.startsWith('__drizzle')) continue;
    const r = (await ctx.database.db.execute(sql.raw(`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h, count(*)::int as n from "${tablename}" t`))) as unknown as { rows: Array<{ h: string; n: number }> };
    out[tablename] = `${r.rows[0].n}:${r.rows[0].h}`;
  }
  return out;
}

/** A roster workbook whose cells are spreadsheet formula injections. */
async function formulaRoster(kind: 'xlsx' | 'csv'): Promise<Buffer> {
  const injections = ['=cmd|\' /C calc\'!A0', '+1+cmd|\' /C calc\'!A0', '-2+3', '@SUM(1+1)*cmd|\' /C calc\'!A0', '=HYPERLINK("http://evil.test","点击")', '\t=1+1', '\r=1+1'];
  const template = new ExcelJS.Workbook();
  await template.xlsx.load((await buildRosterTemplate()) as unknown as ArrayBuffer);
  const sheet = template.worksheets[0];
  const width = sheet.getRow(1).cellCount;
  for (let r = 0; r < 20; r++) sheet.addRow(Array.from({ length: width }, (_, c) => injections[(r + c) % injections.length]));
  if (kind === 'xlsx') return Buffer.from(await template.xlsx.writeBuffer());
  return Buffer.from(await template.csv.writeBuffer());
}

let ctx: TestContext;
let server: Awaited<ReturnType<typeof listen>>;
let real: Record<string, string>;
const people: Record<string, { email: string }> = {};

beforeAll(async () => {
  ctx = await startTestApp();
  const db = ctx.database.db;
  const org = await makeOrg(db, { kind: 'charity' });
  const gov = await makeOrg(db, { kind: 'government' });
  // One member holding every organization role reaches every organization route's validation; one kind of user per remaining side.
  const admin = await makeMember(db, org.id, ['admin', 'caseworker', 'finance', 'staff']);
  const caseworker = await makeMember(db, org.id, ['caseworker']);
  people.orgMember = admin;
  people.governmentAdmin = await makeMember(db, gov.id, ['admin']);
  people.individual = await makeUser(db, { isVolunteer: true, isDonor: true });
  people.platformAdmin = await makeUser(db, { isPlatformAdmin: true });
  const help = await helpFixture(ctx, { orgId: org.id, admin: (await ctx.services.accounts.loadActor(admin.id))!, caseworker: (await ctx.services.accounts.loadActor(caseworker.id))! });
  real = { orgId: org.id, projectId: help.projectId, roleId: help.roleId, proposalId: help.proposalId, helpRecordId: help.helpRecordId };
  server = await listen(ctx);
}, 60_000);
afterAll(async () => {
  await server.close();
  await ctx.close();
});

it(`sends thousands of malformed requests to every route: no 5xx, no leak, no change to data (seed ${SEED})`, async () => {
  process.stdout.write(`fuzz seed ${SEED} (rerun with FUZZ_SEED=${SEED})\n`);
  const clients: Array<{ role: string; client: WebClient }> = [{ role: 'anonymous', client: new WebClient(server.url) }];
  for (const [role, user] of Object.entries(people)) clients.push({ role, client: await WebClient.logIn(server.url, user.email, PASSWORD) });
  for (const c of clients) await c.client.text('/');
  const csrfOf = async (c: WebClient) => /name="_csrf" value="([^"]+)"/.exec(await c.text('/account'))?.[1] ?? /name="_csrf" value="([^"]+)"/.exec(await c.text('/login'))![1];
  const tokens = new Map<WebClient, string>();
  for (const c of clients) tokens.set(c.client, await csrfOf(c.client));

  const t0 = Date.now();
  const before = await checksums(ctx);
  const phase = (name: string) => process.env.FUZZ_SLOW && process.stdout.write(`${name} at ${Date.now() - t0} ms\n`);
  phase('checksums');
  const routes = servedRoutes(ctx.app).filter((r) => !NOT_FUZZED.has(r));
  const failures: string[] = [];
  let sent = 0;
  const check = (what: string, a: Answer) => {
    sent++;
    if (a.status >= 500 || LEAK.test(a.body)) failures.push(`${what} → ${a.status} ${a.body.slice(0, 300).replace(/\s+/g, ' ')}`);
  };

  for (const route of routes) {
    const [method, pattern] = route.split(' ');
    for (const { role, client } of clients) {
      for (let i = 0; i < PER_ROUTE_AND_ROLE; i++) {
        const path = pattern.replace(/:(\w+)/g, (_, name: string) => paramValue(name, real, method)) + queryString();
        const headers: Record<string, string> = { cookie: random() < 0.05 ? 'cb.sid=s%3Aforged.sig; cb.csrf=' + 'x'.repeat(43) : client.cookieHeader, ...oddHeaders() };
        const csrf = random() < 0.85 ? tokens.get(client) : pick([undefined, 'x', tokens.get(client)!.slice(1)]);
        let body: string | Buffer | undefined;
        if (method === 'POST') {
          const kind = int(10);
          if (kind < 5) {
            headers['content-type'] = 'application/x-www-form-urlencoded';
            body = formBody(csrf);
          } else if (kind < 7) {
            headers['content-type'] = pick(['application/json', 'application/json; charset=latin1', 'application/vnd.api+json']);
            if (csrf) headers['x-csrf-token'] = csrf;
            body = jsonBody(csrf);
          } else if (kind < 9) {
            const m = multipartBody(csrf);
            headers['content-type'] = m.type;
            body = m.body;
          } else {
            headers['content-type'] = pick(['text/plain', 'application/xml', 'x/y', '', 'application/x-www-form-urlencoded; charset=utf-16']);
            if (csrf) headers['x-csrf-token'] = csrf;
            body = pick([Buffer.from([0xff, 0xfe, 0x00, 0x41]), '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>', 'a'.repeat(300_000)]);
          }
        }
        const started = Date.now();
        check(`${role} ${method} ${path.slice(0, 200)}`, await send(server.url, method, path, headers, body));
        if (process.env.FUZZ_SLOW && Date.now() - started > 300) process.stdout.write(`slow ${Date.now() - started} ms: ${role} ${method} ${path.slice(0, 120)} ${headers['content-type'] ?? ''} ${body?.length ?? ''}\n`);
      }
    }
  }

  phase('routes');
  // Spreadsheet formula injections in roster uploads, as the organization's member (a caseworker among other roles).
  const caseworker = clients.find((c) => c.role === 'orgMember')!.client;
  for (const kind of ['xlsx', 'csv'] as const) {
    const file = await formulaRoster(kind);
    const boundary = '----roster';
    const body = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${tokens.get(caseworker)}\r\n--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="formulas.${kind}"\r\nContent-Type: application/octet-stream\r\n\r\n`), file, Buffer.from(`\r\n--${boundary}--\r\n`)]);
    const res = await send(server.url, 'POST', `/org/${real.orgId}/roster/imports`, { cookie: caseworker.cookieHeader, 'content-type': `multipart/form-data; boundary=${boundary}` }, body);
    check(`roster upload with formula cells (${kind})`, res);
    expect(res.status).toBeLessThan(500);
  }
  phase('formula uploads');
  // Uploads over every limit (10 MB), once to each route that takes files.
  const huge = Buffer.alloc(11 * 1024 * 1024, 0x41);
  for (const [who, path, field] of [[caseworker, `/org/${real.orgId}/roster/imports`, 'file'], [caseworker, `/org/${real.orgId}/gifts`, 'evidence'], [caseworker, `/org/${real.orgId}/expenditures`, 'evidence']] as const) {
    const boundary = '----huge';
    const body = Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${tokens.get(who)}\r\n--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="huge.pdf"\r\nContent-Type: application/pdf\r\n\r\n`), huge, Buffer.from(`\r\n--${boundary}--\r\n`)]);
    const res = await send(server.url, 'POST', path, { cookie: who.cookieHeader, 'content-type': `multipart/form-data; boundary=${boundary}` }, body);
    check(`11 MB upload to ${path}`, res);
    expect(res.status).toBeGreaterThanOrEqual(400);
  }
  await new Promise((r) => setTimeout(r, 500));

  phase('huge uploads');
  process.stdout.write(`fuzz: ${sent} requests over ${routes.length} routes × ${clients.length} kinds of user, ${failures.length} failures\n`);
  expect(failures.slice(0, 20)).toEqual([]);
  expect(sent).toBeGreaterThanOrEqual(routes.length * clients.length * PER_ROUTE_AND_ROLE);
  const after = await checksums(ctx);
  const changed = Object.keys(before).filter((t) => before[t] !== after[t]);
  expect(changed).toEqual([]);
}, 300_000);
