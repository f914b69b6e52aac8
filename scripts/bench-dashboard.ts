/**
 * Dashboard benchmark: a province-sized data set (default 100,000 children with needs, spread
 * over every county of Guizhou) in embedded PostgreSQL, with what every column reads: needs
 * published, being helped (help records with follow-ups, some overdue) and met, amounts asked,
 * second needs of the same child and kind (duplicates), a project per county and per city with
 * gifts in the ledger, and approved volunteer hours. Times the dashboard's figures and the whole
 * rendered page at each drill-down level, down to a township, and the .xlsx export. Goal: each
 * page under 1 s.
 * Usage: npx tsx scripts/bench-dashboard.ts [children=100000] [--reuse]
 *   PGlite in memory by default; with DATABASE_URL, that PostgreSQL database is emptied (its
 *   public and drizzle schemas dropped) and seeded — or, with --reuse, kept when it already holds
 *   the bench's data (seeding a province takes minutes; migrations still apply).
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
import { eq, sql } from 'drizzle-orm';
import { Client } from 'pg';
import type { Database } from '../server/db/client';

async function main() {
  const args = process.argv.slice(2);
  const reuse = args.includes('--reuse');
  const total = Number(args.find((a) => !a.startsWith('--')) ?? 100_000);
  const url = process.env.DATABASE_URL;
  const logger = createLogger('silent');
  if (url && !reuse) await emptyDatabase(url);
  const database = await openDatabase({ databaseUrl: url, dataDir: '', logger, memory: !url });
  const { app, services } = createApp({ config: testConfig(), database, logger, cipher: new FieldCipher(crypto.randomBytes(32)) });
  const db = database.db;
  const email = 'bench@carebridge.local';
  let [user] = await db.select().from(users).where(eq(users.email, email));
  const counties = regionChildren('520000').flatMap((city) => regionChildren(city.code)).filter((c) => c.level === 'county');
  const t0 = Date.now();
  if (!user) {
    const [org] = await db.insert(organizations).values({ name: '贵州省民政厅', kind: 'government', creditCode: '11520000MB0000000X', status: 'verified' }).returning();
    [user] = await db.insert(users).values({ email, displayName: 'bench', passwordHash: await hashPassword('bench password 1') }).returning();
    await db.insert(memberships).values({ organizationId: org.id, userId: user.id, roles: ['staff'] });
    const perCounty = Math.ceil(total / counties.length);
    let seeded = 0;
    for (const [i, county] of counties.entries()) {
      const n = Math.min(perCounty, total - seeded);
      if (n <= 0) break;
      await seedChildren(db, services.children, { organizationId: org.id, createdBy: user.id, countyCode: county.code, count: n, publish: 0, seed: i + 1 });
      seeded += n;
    }
    await seedActivity(db, org.id, counties.map((c) => c.code));
  }
  const seedMs = Date.now() - t0;
  // Vacuum too, as autovacuum would after a bulk load: index-only scans need the visibility map.
  await db.execute(sql`vacuum analyze`);

  const agent = request.agent(app);
  const login = await agent.get('/login');
  const token = /name="_csrf" value="([^"]+)"/.exec(login.text)![1];
  await agent.post('/login').type('form').send({ _csrf: token, email: 'bench@carebridge.local', password: 'bench password 1' });
  const actor = (await services.accounts.loadActor(user.id))!;

  const [counts] = (
    (await db.execute(sql`select (select count(*) from needs)::int as needs, (select count(*) from help_records)::int as help, (select count(*) from follow_ups)::int as follow_ups,
      (select count(*) from hour_logs)::int as hours, (select count(*) from ledger_entries)::int as gifts, (select count(*) from projects)::int as projects,
      (select count(*) from children)::int as children`)) as unknown as { rows: Array<Record<string, number>> }
  ).rows;
  const rows: string[] = [];
  const pages: Array<[string, string]> = [
    ['country', '/dashboard'],
    ['province 贵州', '/dashboard?region=520000'],
    ['city 遵义', '/dashboard?region=520300'],
    ['county 正安', '/dashboard?region=520324'],
    ['township 瑞溪镇', '/dashboard?region=520324101'],
    ['export 正安 .xlsx', '/dashboard/export.xlsx?region=520324'],
    ['export 贵州 .xlsx', '/dashboard/export.xlsx?region=520000'],
  ];
  for (const [label, path] of pages) {
    const region = new URL(path, 'http://x').searchParams.get('region') ?? undefined;
    const times: number[] = [];
    const pageTimes: number[] = [];
    for (let r = 0; r < 5; r++) {
      let t = performance.now();
      await services.dashboard.figures(actor, region);
      times.push(performance.now() - t);
      t = performance.now();
      const res = await agent.get(path);
      if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
      pageTimes.push(performance.now() - t);
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)].toFixed(0);
    rows.push(`| ${label} | ${median(times)} | ${median(pageTimes)} | ${Math.max(...pageTimes).toFixed(0)} |`);
  }
  console.log(`database: ${url ? 'PostgreSQL' : 'PGlite (in memory)'}${reuse && seedMs < 1000 ? ' (reused)' : ''}`);
  console.log(`children: ${counts.children} in ${counties.length} counties (seeded in ${(seedMs / 1000).toFixed(1)} s)`);
  console.log(`needs: ${counts.needs}, help records: ${counts.help}, follow-ups: ${counts.follow_ups}, hour logs: ${counts.hours}, projects: ${counts.projects}, gifts in the ledger: ${counts.gifts}`);
  console.log('| level | figures median (ms) | page median (ms) | page max (ms) |');
  console.log('|---|---|---|---|');
  rows.forEach((r) => console.log(r));
  await database.close();
}
/** Drops what a previous run left, so the database is migrated afresh. */
async function emptyDatabase(url: string) {
  const client = new Client({ connectionString: url });
  await client.connect();
  await client.query('drop schema if exists public cascade; drop schema if exists drizzle cascade; create schema public');
  await client.end();
}

/**
 * What happens after registration, written in bulk SQL (the services would take hours for a
 * province): 70 % of needs published (a fifth of them asking an amount), a quarter of those
 * helped through a county project (one in five of them met, one in three follow-ups overdue),
 * 3 % of children with a second open need of the same kind, 60,000 approved hour logs and ten
 * gifts per project in the ledger.
 */
async function seedActivity(db: Database, orgId: string, counties: string[]) {
  const today = new Date().toISOString().slice(0, 10);
  const cities = [...new Set(counties.map((c) => `${c.slice(0, 4)}00`))];
  await db.execute(sql`
    insert into projects (organization_id, title, description, need_kinds, region_codes, min_age, max_age, capacity, funding_goal_fen, start_on, end_on, status)
    select ${orgId}, '帮扶项目 ' || code, '基准', array['tutoring','companionship','psychological','education','living','medical'], array[code], 0, 17, 100000, 50000000, '2026-01-01', '2099-12-31', 'open'
    from unnest(string_to_array(${[...counties, ...cities].join(',')}, ',')) as code`);
  await db.execute(sql`update needs set status = 'published', amount_fen = case when abs(hashtext(id::text)) % 5 = 0 then (abs(hashtext(id::text)) % 3000 + 100) * 100 end where abs(hashtext(id::text || 'p')) % 10 < 7`);
  await db.execute(sql`
    insert into published_needs (need_id, public_code, kind, urgency, description, difficulty_type, visible, published_at)
    select n.id, 'B' || substr(md5(n.id::text), 1, 11), n.kind, n.urgency, '基准', c.difficulty_type, true, now() - (abs(hashtext(n.id::text)) % 90) * interval '1 day'
    from needs n join children c on c.id = n.child_id where n.status = 'published' on conflict (need_id) do nothing`);
  await db.execute(sql`
    with picked as (
      select n.id as need_id, n.kind, coalesce(c.id_hash, 'child:' || c.id::text) as ck, p.id as project_id, abs(hashtext(n.id::text || 'm')) % 5 = 0 as met
      from needs n join children c on c.id = n.child_id join projects p on p.region_codes = array[c.county_code]
      where n.status = 'published' and abs(hashtext(n.id::text || 'h')) % 4 = 0
    ), proposed as (
      insert into match_proposals (need_id, project_id, score, reasons, status, confirmed_at)
      select need_id, project_id, 0, '[]'::jsonb, 'confirmed', now() from picked returning id, need_id, project_id
    )
    insert into help_records (proposal_id, need_id, project_id, child_key, kind, start_on, status, outcome, next_follow_up_on)
    select pr.id, pr.need_id, pr.project_id, pk.ck, pk.kind, ${today}::date - (abs(hashtext(pr.need_id::text)) % 60), case when pk.met then 'closed' else 'in_progress' end, case when pk.met then 'met' end, null
    from proposed pr join picked pk on pk.need_id = pr.need_id`);
  await db.execute(sql`update needs n set status = case when h.status = 'closed' then 'met' else 'being_helped' end from help_records h where h.need_id = n.id`);
  await db.execute(sql`
    insert into follow_ups (help_record_id, due_on) select id, case when abs(hashtext(id::text)) % 3 = 0 then ${today}::date - 3 else ${today}::date + 20 end from help_records where status = 'in_progress'`);
  await db.execute(sql`
    with dup as (
      insert into needs (id, child_id, organization_id, kind, description, urgency, status, created_by)
      select gen_random_uuid(), n.child_id, n.organization_id, n.kind, n.description, n.urgency, 'published', n.created_by
      from needs n where abs(hashtext(n.child_id::text || 'd')) % 100 < 3 returning id, kind, urgency
    )
    insert into published_needs (need_id, public_code, kind, urgency, description, difficulty_type, visible)
    select id, 'D' || substr(md5(id::text), 1, 11), kind, urgency, '基准', 'economic', true from dup`);
  await db.execute(sql`
    insert into users (email, display_name, password_hash) values ('bench-volunteer@carebridge.local', 'volunteer', 'x')`);
  await db.execute(sql`
    insert into hour_logs (volunteer_user_id, organization_id, activity, region_code, worked_on, minutes, description, status)
    select u.id, ${orgId}, '课业辅导', case when g % 4 = 0 then c.county_code else c.township_code end, ${today}::date - (g % 300), 30 + g % 180, '基准', case when g % 10 = 0 then 'pending' else 'approved' end
    from generate_series(1, 60000) g
    cross join (select id from users where email = 'bench-volunteer@carebridge.local') u
    join (select row_number() over (order by id) as rn, county_code, coalesce(township_code, county_code) as township_code from children) c
      on c.rn = 1 + (g::bigint * 7919) % (select count(*) from children)`);
  await db.execute(sql`
    with gifts as (
      select p.id as project_id, row_number() over (order by p.id, g) as seq, (abs(hashtext(p.id::text || g)) % 5000 + 10) * 100 as fen
      from projects p cross join generate_series(1, 10) g
    ), entries as (
      insert into ledger_entries (sequence, tx_id, occurred_at, kind, memo, postings, prev_hash, hash)
      select seq, 'bench-' || seq, now()::text, 'donation', '基准', '[]'::jsonb, md5('prev' || seq), md5('hash' || seq) from gifts returning sequence
    )
    insert into ledger_postings (sequence, account, amount_fen, account_type, organization_id, project_id)
    select g.seq, 'external:donors', -g.fen, 'donors', ${orgId}, g.project_id::text from gifts g join entries e on e.sequence = g.seq
    union all
    select g.seq, 'org:' || ${orgId} || ':project:' || g.project_id || ':restricted', g.fen, 'restricted', ${orgId}, g.project_id::text from gifts g join entries e on e.sequence = g.seq`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
