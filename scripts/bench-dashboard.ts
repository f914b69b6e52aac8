/**
 * Dashboard benchmark: a province-sized data set (default 100,000 children with needs, spread
 * over every county of Guizhou) in embedded PostgreSQL; times the dashboard's figures and the
 * whole rendered page at each drill-down level. Goal: each page under 1 s.
 * Usage: npx tsx scripts/bench-dashboard.ts [children=100000]
 */
import crypto from 'node:crypto';
import request from 'supertest';
import { createApp } from '../server/app';
import { testConfig } from '../server/config';
import { openDatabase } from '../server/db/client';
import { memberships, organizations, users } from '../server/db/schema';
import { seedChildren } from '../server/demo/county';
import { FieldCipher } from '../server/lib/crypto';
import { createLogger } from '../server/lib/logger';
import { hashPassword } from '../server/lib/passwords';
import { children as regionChildren } from '../server/lib/regions';

async function main() {
  const total = Number(process.argv[2] ?? 100_000);
  const logger = createLogger('silent');
  const database = await openDatabase({ dataDir: '', logger, memory: true });
  const { app, services } = createApp({ config: testConfig(), database, logger, cipher: new FieldCipher(crypto.randomBytes(32)) });
  const db = database.db;
  const [org] = await db.insert(organizations).values({ name: '贵州省民政厅', kind: 'government', creditCode: '11520000MB0000000X', status: 'verified' }).returning();
  const [user] = await db.insert(users).values({ email: 'bench@carebridge.local', displayName: 'bench', passwordHash: await hashPassword('bench password 1') }).returning();
  await db.insert(memberships).values({ organizationId: org.id, userId: user.id, roles: ['staff'] });

  const counties = regionChildren('520000').flatMap((city) => regionChildren(city.code)).filter((c) => c.level === 'county');
  const t0 = Date.now();
  const perCounty = Math.ceil(total / counties.length);
  let seeded = 0;
  for (const [i, county] of counties.entries()) {
    const n = Math.min(perCounty, total - seeded);
    if (n <= 0) break;
    await seedChildren(db, services.children, { organizationId: org.id, createdBy: user.id, countyCode: county.code, count: n, publish: 0, seed: i + 1 });
    seeded += n;
  }
  const seedMs = Date.now() - t0;
  await db.execute(`analyze` as never);

  const agent = request.agent(app);
  const login = await agent.get('/login');
  const token = /name="_csrf" value="([^"]+)"/.exec(login.text)![1];
  await agent.post('/login').type('form').send({ _csrf: token, email: 'bench@carebridge.local', password: 'bench password 1' });
  const actor = (await services.accounts.loadActor(user.id))!;

  const rows: string[] = [];
  for (const [label, region] of [['country', undefined], ['province 贵州', '520000'], ['city 遵义', '520300'], ['county 正安', '520324']] as const) {
    const times: number[] = [];
    const pages: number[] = [];
    for (let r = 0; r < 5; r++) {
      let t = performance.now();
      await services.dashboard.figures(actor, region);
      times.push(performance.now() - t);
      t = performance.now();
      const res = await agent.get(`/dashboard${region ? `?region=${region}` : ''}`);
      if (res.status !== 200) throw new Error(`dashboard answered ${res.status}`);
      pages.push(performance.now() - t);
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(0);
    rows.push(`| ${label} | ${median(times)} | ${median(pages)} | ${Math.max(...pages).toFixed(0)} |`);
  }
  console.log(`children: ${seeded} in ${counties.length} counties (seeded in ${(seedMs / 1000).toFixed(1)} s)`);
  console.log('| level | figures median (ms) | page median (ms) | page max (ms) |');
  console.log('|---|---|---|---|');
  rows.forEach((r) => console.log(r));
  await database.close();
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
