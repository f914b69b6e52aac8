import ExcelJS from 'exceljs';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { auditEntries, childLinks, children, rosterImports } from '../../../server/db/schema';
import { ROSTER_TEMPLATE_COLUMNS } from '../../../server/children/roster.rules';
import { parseIdNumber } from '../../../server/children/id-number.rules';
import type { Actor } from '../../../server/lib/authorization';
import { countyOf } from '../../../server/lib/regions';
import { Browser, startTestApp, type TestContext } from '../../support/app';
import { makeMember, makeOrg, PASSWORD } from '../../support/factories';
import { buildOfficialRoster, makeChild, OFFICIAL_LAYOUT, type FactoryChild } from '../../unit/children/roster-factory';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const CSRF_RE = /name="_csrf" value="([^"]+)"/;

let ctx: TestContext;
beforeAll(async () => {
  ctx = await startTestApp();
});
afterAll(() => ctx.close());

/** Every child that went into a file in this test run, for the database-dump check at the end. */
const uploaded: FactoryChild[] = [];
const range = (from: number, to: number, over: (i: number) => Partial<FactoryChild> = () => ({})) =>
  Array.from({ length: to - from }, (_, k) => makeChild(from + k, over(from + k)));
/** Excel row of the k-th child in an official-style roster. */
const rowOf = (k: number) => OFFICIAL_LAYOUT.firstDataRow + k;

interface Caseworker {
  orgId: string;
  orgName: string;
  email: string;
  actor: Actor;
  browser: Browser;
}

/** A verified organization with a caseworker signed in to it. */
async function caseworker(): Promise<Caseworker> {
  const org = await makeOrg(ctx.database.db);
  const user = await makeMember(ctx.database.db, org.id, ['caseworker']);
  const browser = new Browser(ctx.app);
  await browser.logIn(user.email, PASSWORD);
  return { orgId: org.id, orgName: org.name, email: user.email, actor: (await ctx.services.accounts.loadActor(user.id))!, browser };
}

/** Uploads a file as the upload form does: multipart, with the page's CSRF token in a field. */
async function upload(cw: Caseworker, data: Buffer, filename: string, opts: { csrf?: boolean } = {}) {
  const page = await cw.browser.get(`/org/${cw.orgId}/roster`);
  const token = CSRF_RE.exec(page.text)![1];
  const req = cw.browser.agent.post(`/org/${cw.orgId}/roster/imports`);
  if (opts.csrf !== false) req.field('_csrf', token);
  return req.attach('file', data, filename);
}

/** Uploads, waits for the background work, and returns the import's JSON status and page. */
async function importRoster(cw: Caseworker, data: Buffer, filename = '瑞溪镇花名册.xlsx') {
  const res = await upload(cw, data, filename);
  expect(res.status).toBe(303);
  const location = String(res.headers.location);
  const importId = location.split('/').pop()!;
  await ctx.services.roster.waitForImport(importId);
  const json = await cw.browser.agent.get(location).set('Accept', 'application/json');
  expect(json.status).toBe(200);
  const page = await cw.browser.get(location);
  return { importId, location, status: json.body, page: page.text };
}

async function officialRoster(list: FactoryChild[]) {
  uploaded.push(...list);
  return buildOfficialRoster(list);
}

async function childCount(orgId: string) {
  return (await ctx.database.db.select({ id: children.id }).from(children).where(eq(children.organizationId, orgId))).length;
}

/** The rows named in the downloadable problem report. */
async function reportRows(cw: Caseworker, location: string): Promise<number[]> {
  const res = await cw.browser.agent.get(`${location}/errors.xlsx`).buffer(true).parse(binary);
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toContain(XLSX_TYPE);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(res.body);
  const rows: number[] = [];
  wb.worksheets[0].eachRow((row, n) => {
    if (n > 1 && typeof row.getCell(1).value === 'number') rows.push(row.getCell(1).value as number);
  });
  return rows;
}

/** Collects a download as a Buffer (superagent only does that by itself for a few types). */
function binary(res: import('superagent').Response, done: (err: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  const stream = res as unknown as NodeJS.ReadableStream;
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
}

describe('importing a roster', () => {
  it('imports a good 30-row official roster, with progress at 100% and one audit entry', async () => {
    const cw = await caseworker();
    const list = range(0, 30);
    const { importId, status, page } = await importRoster(cw, await officialRoster(list));
    expect(status).toMatchObject({ status: 'done', totalRows: 30, processedRows: 30, importedRows: 30, percent: 100, errorCount: 0, registeredElsewhere: 0 });
    expect(page).toContain('导入完成：共导入 30 名儿童');

    const listed = await ctx.services.children.list(cw.actor, cw.orgId, { page: 1 });
    expect(listed.total).toBe(30);
    const names = new Set(listed.children.map((c) => c.name));
    expect(names.has(list[0].name)).toBe(true);

    const audit = await ctx.database.db.select().from(auditEntries).where(and(eq(auditEntries.action, 'roster.import'), eq(auditEntries.subjectId, importId)));
    expect(audit).toHaveLength(1);
    expect(audit[0].detail).toMatchObject({ rows: 30, imported: 30, registeredElsewhere: 0 });

    const roster = await cw.browser.get(`/org/${cw.orgId}/roster`);
    expect(roster.text).toContain('瑞溪镇花名册.xlsx');
    expect(roster.text).toContain('已完成');
  });

  it('reports exactly the 50 bad rows among 200, in the page and the download, and writes nothing', async () => {
    const cw = await caseworker();
    const bad = new Set(Array.from({ length: 200 }, (_, i) => i).filter((i) => i % 4 === 1));
    expect(bad.size).toBe(50);
    let k = 0;
    const list = range(1000, 1200, (i) => {
      if (!bad.has(i - 1000)) return {};
      const good = makeChild(i);
      switch (k++ % 5) {
        case 0: // wrong check character
          return { idNumber: String(good.idNumber).slice(0, 17) + (String(good.idNumber).endsWith('1') ? '2' : '1') };
        case 1:
          return { sex: '未知' };
        case 2:
          return { villageCode: '520324999999' };
        case 3:
          return { birth: '2099-01-01' };
        default:
          return { guardianPhone: '12345' };
      }
    });
    const { status, page, location } = await importRoster(cw, await officialRoster(list));
    const expected = [...bad].map(rowOf).sort((a, b) => a - b);
    expect(status).toMatchObject({ status: 'failed', totalRows: 200, importedRows: 0, percent: 100, errorRows: 50 });
    expect(page).toContain('没有导入任何儿童');
    expect(page).toContain('涉及 50 行');
    expect(page).not.toContain('<progress');
    expect([...new Set(await reportRows(cw, location))].sort((a, b) => a - b)).toEqual(expected);
    expect(await childCount(cw.orgId)).toBe(0);

    // The stored report keeps where and why, never the cell: a wrong ID number is only hinted at.
    const [stored] = await ctx.database.db.select().from(rosterImports).where(eq(rosterImports.id, location.split('/').pop()!));
    const wrongId = String(list[1].idNumber);
    expect(stored.errors).not.toContain(wrongId);
    expect(page).not.toContain(wrongId);
    expect(page).toContain(`${wrongId[0]}****************${wrongId[17]}`);
  });

  it('refuses a child this organization has already registered, and writes none of the file', async () => {
    const cw = await caseworker();
    expect((await importRoster(cw, await officialRoster(range(2000, 2003)))).status.status).toBe('done');
    const again = await importRoster(cw, await officialRoster(range(2002, 2006)));
    expect(again.status).toMatchObject({ status: 'failed', errorRows: 1 });
    expect(again.page).toContain(`第 ${rowOf(0)} 行的儿童`);
    expect(again.page).toContain('已在本机构登记');
    expect(await childCount(cw.orgId)).toBe(3);
  });

  it('reports an ID number repeated inside one file, also across the validation chunks', async () => {
    const cw = await caseworker();
    const list = range(3000, 3000 + 1100);
    list[1050] = { ...list[1050], idNumber: list[3].idNumber, birth: list[3].birth, sex: list[3].sex };
    const { status, location } = await importRoster(cw, await officialRoster(list));
    expect(status).toMatchObject({ status: 'failed', errorRows: 1 });
    expect(await reportRows(cw, location)).toEqual([rowOf(1050)]);
    expect(await childCount(cw.orgId)).toBe(0);
  });

  it('imports a child another organization registered, links them, and tells only how many', async () => {
    const other = await caseworker();
    expect((await importRoster(other, await officialRoster(range(4000, 4002)))).status.status).toBe('done');
    const cw = await caseworker();
    const { status, page } = await importRoster(cw, await officialRoster(range(4000, 4005)));
    expect(status).toMatchObject({ status: 'done', importedRows: 5, registeredElsewhere: 2 });
    expect(page).toContain('其中 2 名儿童也由其他机构登记');
    expect(page).not.toContain(other.orgName);
    const mine = await ctx.database.db.select({ id: children.id }).from(children).where(eq(children.organizationId, cw.orgId));
    const links = await ctx.database.db.select().from(childLinks).where(inArray(childLinks.childId, mine.map((m) => m.id)));
    expect(links).toHaveLength(2);
  });

  it('refuses formula cells and text Excel would run, naming row and column', async () => {
    const cw = await caseworker();
    const list = range(5000, 5005, (i) => (i === 5002 ? { notes: { formula: 'HYPERLINK("http://evil.example","点我")', result: '点我' } } : i === 5003 ? { notes: "=cmd|' /C calc'!A0" } : {}));
    const { status, page } = await importRoster(cw, await officialRoster(list));
    expect(status).toMatchObject({ status: 'failed', errorRows: 2 });
    expect(page).toContain(`第 ${rowOf(2)} 行“备注”单元格包含公式`);
    expect(page).toContain(`第 ${rowOf(3)} 行“备注”以 `); // the = + - @ that follow are HTML-escaped
    expect(await childCount(cw.orgId)).toBe(0);
  });

  it('answers an oversize file with a clear 4xx and writes nothing', async () => {
    const cw = await caseworker();
    const res = await upload(cw, Buffer.alloc(10 * 1024 * 1024 + 1, 0x41), 'big.csv');
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.text).toContain('文件过大，最大 10 MB');
    expect(await ctx.database.db.select().from(rosterImports).where(eq(rosterImports.organizationId, cw.orgId))).toHaveLength(0);
  });

  it('refuses an upload without the CSRF token with 403 and writes nothing', async () => {
    const cw = await caseworker();
    const res = await upload(cw, await officialRoster(range(6000, 6002)), 'forged.xlsx', { csrf: false });
    expect(res.status).toBe(403);
    expect(await ctx.database.db.select().from(rosterImports).where(eq(rosterImports.organizationId, cw.orgId))).toHaveLength(0);
    expect(await childCount(cw.orgId)).toBe(0);
  });

  it('asks for a file when none is chosen', async () => {
    const cw = await caseworker();
    const page = await cw.browser.get(`/org/${cw.orgId}/roster`);
    const res = await cw.browser.agent.post(`/org/${cw.orgId}/roster/imports`).field('_csrf', CSRF_RE.exec(page.text)![1]);
    expect(res.status).toBe(422);
    expect(res.text).toContain('请选择要上传的花名册文件');
  });

  it('answers a file that is not a roster with the reader\'s message', async () => {
    const cw = await caseworker();
    const { status, page } = await importRoster(cw, Buffer.from('随便写的一些字\n没有表头\n'), 'notes.csv');
    expect(status.status).toBe('failed');
    expect(page).toContain('找不到表头行');
  });

  it('offers a template that imports once filled in', async () => {
    const cw = await caseworker();
    const res = await cw.browser.agent.get(`/org/${cw.orgId}/roster/template.xlsx`).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain(XLSX_TYPE);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.body);
    const ws = wb.getWorksheet('花名册')!;
    const header = ws.getRow(2).values as string[];
    const col = (key: string) => header.findIndex((h) => typeof h === 'string' && h.replace('*', '') === ROSTER_TEMPLATE_COLUMNS.find((c) => c.key === key)!.header);
    const list = range(7000, 7005);
    uploaded.push(...list);
    list.forEach((c, k) => {
      const row = ws.getRow(4 + k);
      row.getCell(col('name')).value = c.name;
      row.getCell(col('id_number')).value = String(c.idNumber);
      row.getCell(col('village_code')).value = c.villageCode;
      row.getCell(col('guardian_name')).value = c.guardianName;
      row.getCell(col('guardian_phone')).value = c.guardianPhone;
      row.getCell(col('child_class')).value = '农村留守儿童';
      row.commit();
    });
    const filled = Buffer.from(await wb.xlsx.writeBuffer());
    const { status } = await importRoster(cw, filled, '模板.xlsx');
    expect(status).toMatchObject({ status: 'done', importedRows: 5 });
  });

  it('requires the child class unless the roster is one of left-behind children', async () => {
    const cw = await caseworker();
    const list = range(7100, 7103, () => ({ childClass: '', difficulty: '', risk: '' }));
    const plain = await importRoster(cw, await officialRoster(list), '花名册.xlsx');
    expect(plain.status).toMatchObject({ status: 'failed', errorRows: 3 });
    expect(plain.page).toContain('缺少儿童类别');
    const leftBehind = await importRoster(cw, await officialRoster(list), '瑞溪镇农村留守儿童花名册.xlsx');
    expect(leftBehind.status).toMatchObject({ status: 'done', importedRows: 3 });
    const rows = await ctx.database.db.select().from(children).where(eq(children.organizationId, cw.orgId));
    expect(rows.map((r) => [r.childClass, r.difficultyType, r.riskLevel])).toEqual(Array(3).fill([6, 'guardianship', 3]));
  });

  it('shows a running import as a labelled progress bar that refreshes itself, and as JSON', async () => {
    const cw = await caseworker();
    // As another node's import would look half-way through checking its rows.
    const [running] = await ctx.database.db
      .insert(rosterImports)
      .values({ organizationId: cw.orgId, uploadedBy: cw.actor.userId, filename: '大花名册.xlsx', status: 'validating', totalRows: 1000, processedRows: 400 })
      .returning();
    const url = `/org/${cw.orgId}/roster/imports/${running.id}`;
    const json = await cw.browser.agent.get(url).set('Accept', 'application/json');
    expect(json.body).toMatchObject({ status: 'validating', processedRows: 400, totalRows: 1000, percent: 20, finished: false });
    const page = (await cw.browser.get(url)).text;
    expect(page).toContain('<label for="import-progress">导入进度');
    expect(page).toContain('<progress id="import-progress" max="100" value="20">');
    expect(page).toContain('<noscript><meta http-equiv="refresh" content="2"></noscript>');
    expect(page).toContain('<script src="/public/js/roster-progress.js" defer></script>');

    // One that never finished long ago died with its process: it says so rather than spinning forever.
    const [stale] = await ctx.database.db
      .insert(rosterImports)
      .values({ organizationId: cw.orgId, uploadedBy: cw.actor.userId, filename: '旧.xlsx', status: 'importing', totalRows: 10, createdAt: new Date(Date.now() - 2 * 3600_000) })
      .returning();
    const old = await cw.browser.get(`/org/${cw.orgId}/roster/imports/${stale.id}`);
    expect(old.text).toContain('导入因服务器重启而中断');
    expect(old.text).not.toContain('http-equiv="refresh"');
  });

  it('shows an import to its own organization only', async () => {
    const cw = await caseworker();
    const { location } = await importRoster(cw, await officialRoster(range(7200, 7201)));
    const stranger = await caseworker();
    expect((await stranger.browser.get(location)).status).toBe(403);
    expect((await stranger.browser.get(location.replace(cw.orgId, stranger.orgId))).status).toBe(404);
  });
});

describe('exporting the roster', () => {
  it('requires the password again and a reason, audits the export, and the file imports again unchanged', async () => {
    const cw = await caseworker();
    expect((await importRoster(cw, await officialRoster(range(8000, 8010)))).status.status).toBe('done');
    const formulaId = parseIdNumber(String(makeChild(8010).idNumber), new Date());
    if (!formulaId.ok) throw new Error('factory ID number invalid');
    await ctx.services.children.create(
      cw.actor,
      cw.orgId,
      {
        identity: { name: '公式测试', idNumber: formulaId.value, birthDate: formulaId.birthDate, ethnicity: null, guardianName: null, guardianRelation: null, guardianPhone: null, residence: null, school: null, householdRegistration: null, healthNote: null, notes: '=HYPERLINK("http://evil.example","x")' },
        sex: formulaId.sex,
        villageCode: '520324101201',
        countyCode: countyOf('520324101201')!.code,
        childClass: 6,
        difficultyType: 'guardianship',
        riskLevel: 2,
      },
      (k) => k,
    );
    uploaded.push(makeChild(8010, { name: '公式测试' }));

    const page = await cw.browser.get(`/org/${cw.orgId}/roster`);
    expect(page.text).toContain('导出花名册');
    expect(page.text).toContain('<label for="f-password">您的登录密码');
    const wrong = await cw.browser.post(`/org/${cw.orgId}/roster/export`, { password: 'not my password', reason: '季度走访核对' });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('value="季度走访核对"');
    const noReason = await cw.browser.post(`/org/${cw.orgId}/roster/export`, { password: PASSWORD, reason: '' });
    expect(noReason.status).toBe(422);
    const exportsBefore = await ctx.database.db.select().from(auditEntries).where(and(eq(auditEntries.organizationId, cw.orgId), eq(auditEntries.action, 'roster.export')));
    expect(exportsBefore).toHaveLength(0);

    const page2 = await cw.browser.get(`/org/${cw.orgId}/roster`);
    const token = CSRF_RE.exec(page2.text)![1];
    const res = await cw.browser.agent.post(`/org/${cw.orgId}/roster/export`).type('form').send({ _csrf: token, password: PASSWORD, reason: '季度走访核对' }).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toContain(XLSX_TYPE);
    expect(res.headers['content-disposition']).toContain('attachment');
    expect(res.headers['cache-control']).toBe('no-store');
    const [entry] = await ctx.database.db.select().from(auditEntries).where(and(eq(auditEntries.organizationId, cw.orgId), eq(auditEntries.action, 'roster.export')));
    expect(entry).toMatchObject({ reason: '季度走访核对', actorUserId: cw.actor.userId, detail: { count: 11 } });

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.body);
    const ws = wb.worksheets[0];
    const header = (ws.getRow(2).values as string[]).slice(1);
    expect(header).toEqual(ROSTER_TEMPLATE_COLUMNS.map((c) => c.header));
    const notesCol = header.indexOf('备注') + 1;
    const notes: string[] = [];
    ws.eachRow((row, n) => {
      if (n > 2) notes.push(String(row.getCell(notesCol).value ?? ''));
    });
    expect(notes).toContain(`'=HYPERLINK("http://evil.example","x")`);

    const fresh = await caseworker();
    const again = await importRoster(fresh, res.body, 'export.xlsx');
    expect(again.status).toMatchObject({ status: 'done', importedRows: 11 });
    const original = await ctx.services.children.allForExport(cw.orgId);
    const copied = await ctx.services.children.allForExport(fresh.orgId);
    const strip = (list: typeof original) =>
      list
        .map(({ facts, identity }) => ({ ...identity, sex: facts.sex, villageCode: facts.villageCode, childClass: facts.childClass, difficultyType: facts.difficultyType, riskLevel: facts.riskLevel, schooling: facts.schooling, health: facts.health, guardianshipType: facts.guardianshipType, boarding: facts.boarding }))
        .map((c) => ({ ...c, notes: c.notes?.replace(/^'/, '') ?? null }))
        .sort((a, b) => String(a.idNumber).localeCompare(String(b.idNumber)));
    expect(strip(copied)).toEqual(strip(original));
  });
});

describe('privacy at rest', () => {
  it('keeps no imported name, ID number or phone in plain text in the children, import or audit tables', async () => {
    expect(uploaded.length).toBeGreaterThan(1000);
    const dump: string[] = [];
    for (const table of ['children', 'roster_imports', 'audit_entries', 'child_links']) {
      const rows = (await ctx.database.db.execute(sql`select row_to_json(t)::text as j from ${sql.identifier(table)} t`)) as unknown as { rows: Array<{ j: string }> };
      dump.push(...rows.rows.map((r) => r.j));
    }
    const text = dump.join('\n');
    expect(text).toContain('roster.import');
    const secrets = new Set<string>();
    for (const c of uploaded) {
      secrets.add(c.name);
      secrets.add(String(c.idNumber));
      secrets.add(c.guardianName);
      // The bad rows' "12345" is no phone, and five digits turn up in any uuid.
      if (/^1\d{10}$/.test(c.guardianPhone)) secrets.add(c.guardianPhone);
    }
    const leaked = [...secrets].filter((s) => text.includes(s));
    expect(leaked).toEqual([]);
  });
});
