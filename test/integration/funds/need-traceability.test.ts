import { eq, sql } from 'drizzle-orm';
import { children, evidenceFiles, expenditureHelpRecords, expenditures, needs, publishedNeeds, users } from '../../../server/db/schema';
import { chinaDate } from '../../../server/children/id-number.rules';
import { addDays } from '../../../server/lib/days';
import { formatFen } from '../../../server/lib/money';
import type { Actor } from '../../../server/lib/authorization';
import { Browser, startTestApp, type TestContext } from '../../support/app';
import { PASSWORD } from '../../support/factories';
import { approverFor, consentToHelp, openProject, orgWith, platformAdmin, publishNeed, registerChild, t } from '../../support/matching';
import { PDF_BYTES, postMultipart } from '../../support/money';

/**
 * Need-level traceability: a spending names the help records of its project it served, a gift's
 * receipt lists the needs its spending served (public code, kind, region — nothing else), and a
 * need's public page counts the gifts that reached it and names the projects that helped it.
 */
let ctx: TestContext;
let orgId: string;
let caseworker: Actor;
let financeUserId: string;
let finance: Browser;
let approver: Browser;
const project: Record<'tutoring' | 'companionship', string> = { tutoring: '', companionship: '' };
/** Needs n1, n2 (tutoring) and n3 (companionship) are helped; n4 is published and never helped. */
const need: Record<'n1' | 'n2' | 'n3' | 'n4', { id: string; code: string; childId: string; helpRecordId: string }> = {} as never;
const receipt: Record<'g1' | 'g2' | 'g3', string> = {} as never;

const today = chinaDate(new Date());
const url = () => `/org/${orgId}/expenditures`;
const spending = (over: Record<string, string | string[]>) => ({ projectId: project.tutoring, category: 'school_aid', spendingAmount: '100', spentOn: today, payeeType: 'school', spendingDescription: '学习用品和辅导教材', ...over });

async function spend(fields: Record<string, string | string[]>): Promise<string> {
  const before = new Set((await ctx.database.db.select({ id: expenditures.id }).from(expenditures)).map((r) => r.id));
  const res = await postMultipart(finance, url(), spending(fields), [{ name: '发票.pdf', data: PDF_BYTES }]);
  expect(res.status).toBe(303);
  const id = (await ctx.database.db.select({ id: expenditures.id }).from(expenditures)).map((r) => r.id).find((i) => !before.has(i))!;
  const approved = await approver.post(`/org/${orgId}/expenditures/${id}/approve`, { password: PASSWORD });
  expect(approved.status).toBe(303);
  return id;
}

const counts = async () => {
  const db = ctx.database.db;
  const [[e], [l], [f]] = await Promise.all([
    db.select({ n: sql<number>`count(*)::int` }).from(expenditures),
    db.select({ n: sql<number>`count(*)::int` }).from(expenditureHelpRecords),
    db.select({ n: sql<number>`count(*)::int` }).from(evidenceFiles),
  ]);
  return { expenditures: e.n, links: l.n, files: f.n };
};

beforeAll(async () => {
  // k = 2: the few children here share a published tuple, so their needs are on the board.
  ctx = await startTestApp({ config: { kAnonymity: 2 } });
  const db = ctx.database.db;
  const { org, members } = await orgWith(ctx, 'charity', '520324', [['admin', 'staff'], ['caseworker'], ['finance'], ['finance']]);
  orgId = org.id;
  const admin = members[0].actor;
  caseworker = members[1].actor;
  financeUserId = members[2].user.id;
  const reviewer = (await platformAdmin(ctx)).actor;
  // Started lately, so no quarterly disclosure is overdue: an overdue project takes no gifts.
  const dates = { startOn: addDays(today, -20), endOn: '2099-12-31' };
  project.tutoring = await openProject(ctx, admin, orgId, reviewer, { title: '春苗课业辅导', needKinds: ['tutoring'], ...dates });
  project.companionship = await openProject(ctx, admin, orgId, reviewer, { title: '童伴陪伴计划', needKinds: ['companionship'], ...dates });

  const kinds = { n1: 'tutoring', n2: 'tutoring', n3: 'companionship', n4: 'tutoring' } as const;
  for (const key of ['n1', 'n2', 'n3', 'n4'] as const) {
    const childId = await registerChild(ctx, caseworker, orgId);
    const id = await publishNeed(ctx, caseworker, orgId, childId, { kind: kinds[key] });
    need[key] = { id, childId, code: '', helpRecordId: '' };
  }
  await ctx.services.matching.rematchFor({ needIds: Object.values(need).map((n) => n.id) });
  const screen = await ctx.services.matching.needScreen(caseworker, orgId, t);
  for (const key of ['n1', 'n2', 'n3'] as const) {
    const proposal = screen.proposals.find((p) => p.needId === need[key].id)!;
    await ctx.services.matching.accept(admin, orgId, proposal.id, t);
    await consentToHelp(ctx, caseworker, orgId, need[key].id);
    need[key].helpRecordId = (await ctx.services.matching.confirm(caseworker, orgId, proposal.id, t)).helpRecordId;
  }
  for (const n of Object.values(need)) {
    const [row] = await db.select().from(publishedNeeds).where(eq(publishedNeeds.needId, n.id));
    expect(row.visible).toBe(true);
    n.code = row.publicCode;
  }

  const gift = async (projectId: string, giftAmount: number, daysAgo: number, receiptNumber: string) =>
    (await ctx.services.donations.recordOffline(members[2].actor, orgId, { projectId, giftAmount, method: 'bank_transfer', receivedOn: addDays(today, -daysAgo), receiptNumber, displayName: '黄先生', anonymous: false, publicMessage: null }, [{ buffer: PDF_BYTES, filename: '回单.pdf' }], t)).receiptCode;
  receipt.g1 = await gift(project.tutoring, 600_00, 3, 'NT-1');
  receipt.g2 = await gift(project.tutoring, 1_000_00, 2, 'NT-2');
  receipt.g3 = await gift(project.companionship, 500_00, 2, 'NT-3');

  finance = new Browser(ctx.app);
  await finance.logIn(members[2].user.email, PASSWORD);
  approver = new Browser(ctx.app);
  await approver.logIn(members[3].user.email, PASSWORD);
  // FIFO by hand: e1 ¥800 ← g1 ¥600 + g2 ¥200; e2 ¥400 ← g2 ¥400; e3 ¥100 ← g2 ¥100; e4 ¥300 ← g3 ¥300.
  await spend({ spendingAmount: '800', 'helpRecordIds[]': [need.n1.helpRecordId], spendingDescription: '第一学期助学金和学习用品' });
  await spend({ spendingAmount: '400', 'helpRecordIds[]': [need.n1.helpRecordId, need.n2.helpRecordId], spendingDescription: '两名儿童的课业辅导教材' });
  await spend({ spendingAmount: '100', spendingDescription: '辅导点的文具' });
  await spend({ projectId: project.companionship, category: 'activities', payeeType: 'supplier', spendingAmount: '300', 'helpRecordIds[]': [need.n3.helpRecordId], spendingDescription: '陪伴活动的交通费用' });
});
afterAll(() => ctx.close());

describe('naming the help a spending served', () => {
  it('offers the project’s help records by need public code and kind only, never the child', async () => {
    const page = await finance.get(url());
    expect(page.status).toBe(200);
    for (const key of ['n1', 'n2', 'n3'] as const) expect(page.text).toContain(`name="helpRecordIds[]" value="${need[key].helpRecordId}"`);
    expect(page.text).toContain(`<code>${need.n1.code}</code>`);
    const [child] = await ctx.database.db.select().from(children).where(eq(children.id, need.n1.childId));
    for (const secret of [need.n1.childId, child.idHash!, '测试儿童']) expect(page.text).not.toContain(secret);
    // The approver sees what each spending says it served, and which says nothing.
    expect(page.text).toContain(t('expenditures.served.none'));
  });

  it('refuses a help record of another project, in Chinese, and saves nothing', async () => {
    const before = await counts();
    const res = await postMultipart(finance, url(), spending({ 'helpRecordIds[]': [need.n1.helpRecordId, need.n3.helpRecordId] }), [{ name: '发票.pdf', data: PDF_BYTES }]);
    expect(res.status).toBe(422);
    expect(res.text).toContain('所选的帮扶记录不属于这笔支出的项目，未登记');
    // The form comes back with the choices as they were.
    expect(res.text).toMatch(new RegExp(`value="${need.n1.helpRecordId}" checked`));
    expect(await counts()).toEqual(before);
  });

  it('refuses help records on general-fund spending, in English too, and saves nothing', async () => {
    const english = new Browser(ctx.app);
    const [user] = await ctx.database.db.select().from(users).where(eq(users.id, financeUserId));
    await english.logIn(user.email, PASSWORD);
    await english.post('/language', { locale: 'en', back: url() });
    const before = await counts();
    const res = await postMultipart(english, url(), spending({ projectId: '', 'helpRecordIds[]': [need.n1.helpRecordId] }), [{ name: 'invoice.pdf', data: PDF_BYTES }]);
    expect(res.status).toBe(422);
    expect(res.text).toContain('Needs served: spending from the general fund cannot name help records, so nothing was recorded');
    expect(await counts()).toEqual(before);
  });
});

describe('a gift’s receipt', () => {
  it('lists the needs each spending it paid for served, by public fields only', async () => {
    const res = await new Browser(ctx.app).get(`/donations/${receipt.g2}`);
    expect(res.status).toBe(200);
    const rows = [...res.text.matchAll(/<tr><td>[\s\S]*?<\/tr>/g)].map((m) => m[0]);
    expect(rows).toHaveLength(3);
    const row = (description: string) => rows.find((r) => r.includes(description))!;
    expect(row('第一学期助学金和学习用品')).toContain(`<a href="/needs/${need.n1.code}"><code>${need.n1.code}</code></a> · 课业辅导 · `);
    expect(row('第一学期助学金和学习用品')).toContain('正安县');
    expect(row('第一学期助学金和学习用品')).toContain('¥200.00');
    expect(row('两名儿童的课业辅导教材')).toContain(need.n1.code);
    expect(row('两名儿童的课业辅导教材')).toContain(need.n2.code);
    expect(row('两名儿童的课业辅导教材')).toContain('¥400.00');
    expect(row('辅导点的文具')).toContain('未指明具体需求');
    expect(row('辅导点的文具')).not.toContain('/needs/');

    // Nothing of the children or of their organization's records reaches the receipt.
    const db = ctx.database.db;
    for (const key of ['n1', 'n2'] as const) {
      const [child] = await db.select().from(children).where(eq(children.id, need[key].childId));
      const [n] = await db.select().from(needs).where(eq(needs.id, need[key].id));
      const [pub] = await db.select().from(publishedNeeds).where(eq(publishedNeeds.needId, need[key].id));
      for (const secret of [child.id, child.idHash!, child.villageCode!, n.id, need[key].helpRecordId, pub.description]) expect(res.text).not.toContain(secret);
    }
    // Names of the children and guardians, and the township: finer than the county the needs are published under.
    for (const text of ['测试儿童', '测试监护人', '瑞溪镇']) expect(res.text).not.toContain(text);
  });

  it('lists on the project’s public fund-use report the needs each spending served, and in its JSON export', async () => {
    const res = await new Browser(ctx.app).get(`/funds/projects/${project.tutoring}`);
    expect(res.status).toBe(200);
    const rows = [...res.text.matchAll(/<tr><td>[\s\S]*?<\/tr>/g)].map((m) => m[0]).filter((r) => r.includes('¥'));
    const row = (description: string) => rows.find((r) => r.includes(description))!;
    expect(row('第一学期助学金和学习用品')).toContain(`<a href="/needs/${need.n1.code}"><code>${need.n1.code}</code></a> · 课业辅导`);
    expect(row('第一学期助学金和学习用品')).not.toContain(need.n2.code);
    expect(row('两名儿童的课业辅导教材')).toContain(need.n1.code);
    expect(row('两名儿童的课业辅导教材')).toContain(need.n2.code);
    expect(row('辅导点的文具')).toContain('未指明具体需求');
    for (const text of ['测试儿童', '测试监护人', '瑞溪镇', need.n1.id, need.n1.helpRecordId]) expect(res.text).not.toContain(text);

    const json = JSON.parse((await new Browser(ctx.app).get(`/funds/projects/${project.tutoring}/export/json`)).text);
    const shared = json.expenditures.find((e: { description: string }) => e.description === '两名儿童的课业辅导教材');
    expect(shared.served.needs.map((n: { publicCode: string }) => n.publicCode).sort()).toEqual([need.n1.code, need.n2.code].sort());
    expect(Object.keys(shared.served.needs[0]).sort()).toEqual(['kind', 'listed', 'publicCode', 'regionName']);
  });

  it('shows in English only the needs its own spending served', async () => {
    const res = await new Browser(ctx.app, { 'accept-language': 'en' }).get(`/donations/${receipt.g3}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('Needs served');
    expect(res.text).toContain(`<code>${need.n3.code}</code>`);
    expect(res.text).not.toContain(need.n1.code);
  });
});

describe('a need’s public page', () => {
  it('counts the gifts that reached it and the fen, and names the projects that helped it, matching the hand-computed allocation', async () => {
    // n1: e1 (g1 ¥600 + g2 ¥200) and half of e2 (g2 ¥400): 2 gifts, ¥800 + ¥200. n2: the other half of e2 from g2.
    expect(await ctx.services.funds.needHelp(need.n1.code)).toEqual({ giftCount: 2, fen: 1_000_00, projects: [{ id: project.tutoring, title: '春苗课业辅导' }] });
    expect(await ctx.services.funds.needHelp(need.n2.code)).toEqual({ giftCount: 1, fen: 200_00, projects: [{ id: project.tutoring, title: '春苗课业辅导' }] });
    expect(await ctx.services.funds.needHelp(need.n3.code)).toEqual({ giftCount: 1, fen: 300_00, projects: [{ id: project.companionship, title: '童伴陪伴计划' }] });

    const res = await new Browser(ctx.app).get(`/needs/${need.n1.code}`);
    expect(res.status).toBe(200);
    expect(res.text).toContain('受助情况');
    expect(res.text).toContain(`2 笔捐赠资助了为这个需求的支出，共 ¥${formatFen(1_000_00)}。`);
    expect(res.text).toContain(`<a href="/projects/${project.tutoring}">春苗课业辅导</a>`);
    expect(res.text).not.toContain('童伴陪伴计划');
    // Never who gave.
    expect(res.text).not.toContain('黄先生');
    expect(res.text).not.toContain('NT-1');
  });

  it('shows the empty state for a need no help has reached, in both languages', async () => {
    expect(await ctx.services.funds.needHelp(need.n4.code)).toEqual({ giftCount: 0, fen: 0, projects: [] });
    const zh = await new Browser(ctx.app).get(`/needs/${need.n4.code}`);
    expect(zh.status).toBe(200);
    expect(zh.text).toContain('这个需求还没有收到帮扶。');
    const en = await new Browser(ctx.app, { 'accept-language': 'en' }).get(`/needs/${need.n4.code}`);
    expect(en.text).toContain('Help received');
    expect(en.text).toContain('No help has reached this need yet.');
  });

  it('stops counting a spending once it is reversed', async () => {
    const [e2] = await ctx.database.db.select().from(expenditures).where(eq(expenditures.description, '两名儿童的课业辅导教材'));
    const res = await approver.post(`/org/${orgId}/expenditures/${e2.id}/reverse`, { reason: '教材重复购买，已退货', password: PASSWORD });
    expect(res.status).toBe(303);
    // Without e2, FIFO moves: e1 ← g1 ¥600 + g2 ¥200 still; n2 keeps its project but no gift reaches it.
    expect(await ctx.services.funds.needHelp(need.n1.code)).toMatchObject({ giftCount: 2, fen: 800_00 });
    expect(await ctx.services.funds.needHelp(need.n2.code)).toMatchObject({ giftCount: 0, fen: 0, projects: [{ id: project.tutoring, title: '春苗课业辅导' }] });
    const page = await new Browser(ctx.app).get(`/needs/${need.n2.code}`);
    expect(page.text).toContain('还没有捐赠资助的支出指明服务这个需求。');
  });
});

describe('a need withdrawn after spending served it', () => {
  it('is counted on the receipt but no longer shown', async () => {
    await ctx.services.needs.withdraw(caseworker, orgId, need.n1.id, '家庭已搬离本县，不再需要帮扶', t);
    await ctx.services.needs.approve(await approverFor(ctx, orgId, need.n1.id, caseworker.userId), orgId, need.n1.id, t);
    const res = await new Browser(ctx.app).get(`/donations/${receipt.g1}`);
    const row = [...res.text.matchAll(/<tr><td>[\s\S]*?<\/tr>/g)].map((m) => m[0]).find((r) => r.includes('第一学期助学金和学习用品'))!;
    expect(row).toContain('另有 1 个需求已撤回，不再公开');
    expect(row).not.toContain(need.n1.code);
    expect(row).not.toContain('未指明具体需求');
    expect((await new Browser(ctx.app).get(`/needs/${need.n1.code}`)).status).toBe(404);
  });
});
