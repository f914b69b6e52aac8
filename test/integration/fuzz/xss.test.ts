import { Browser, startTestApp, type TestContext } from '../../support/app';
import { creditCode, makeMember, makeOrg, makeUser, PASSWORD } from '../../support/factories';
import { platformAdmin } from '../../support/matching';
import { PDF_BYTES } from '../../support/money';
import { chinaDate, makeIdNumber } from '../../../server/children/id-number.rules';

/**
 * Script and attribute-breaking payloads typed into the free-text fields of the forms, as the
 * person each form is for (so they are stored), then every page that shows them is loaded: the
 * payload must appear there, and only escaped. A page that shows it raw would run it.
 */
const PAYLOAD = '<script>alert(1)</script>"\'';
const RAW = /<script>alert\(1\)<\/script>/;
const ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;';

let ctx: TestContext;
let orgId: string;
const as: Record<'admin' | 'caseworker' | 'finance' | 'individual' | 'platform', Browser> = {} as never;

beforeAll(async () => {
  ctx = await startTestApp();
  const db = ctx.database.db;
  orgId = (await makeOrg(db, { kind: 'charity' })).id;
  const users = {
    admin: await makeMember(db, orgId, ['admin', 'staff']),
    caseworker: await makeMember(db, orgId, ['caseworker']),
    finance: await makeMember(db, orgId, ['finance']),
    individual: await makeUser(db, { isVolunteer: true, isDonor: true }),
    platform: (await platformAdmin(ctx)).user,
  };
  for (const [role, user] of Object.entries(users)) {
    as[role as keyof typeof as] = new Browser(ctx.app);
    await as[role as keyof typeof as].logIn(user.email, PASSWORD);
  }
}, 60_000);
afterAll(() => ctx.close());

/** Loads `path` as `who` and reports how the payload shows there. */
async function shows(who: Browser, path: string) {
  const res = await who.get(path);
  return { path, status: res.status, raw: RAW.test(res.text), escaped: res.text.includes(ESCAPED) };
}
const safely = (path: string) => ({ path, status: 200, raw: false, escaped: true });

/** Posts a form and expects it stored (303), or says what the form refused. */
async function store(who: Browser, path: string, form: Record<string, string | string[]>) {
  const res = await who.post(path, form);
  expect({ path, status: res.status, refused: res.status === 303 ? '' : res.text.match(/class="[^"]*error[^"]*"[^>]*>[^<]+/g) }).toEqual({ path, status: 303, refused: '' });
  return res;
}

it('escapes a payload in names and account fields', async () => {
  await store(as.individual, '/account', { displayName: PAYLOAD });
  expect(await shows(as.individual, '/account')).toEqual(safely('/account'));
  await store(as.individual, '/organizations/apply', { name: `${PAYLOAD}公益`, kind: 'charity', creditCode: creditCode() });
  expect(await shows(as.platform, '/admin/organizations')).toEqual(safely('/admin/organizations'));
});

it('escapes a payload in child records, visits and needs', async () => {
  const created = await store(as.caseworker, `/org/${orgId}/children`, { childName: PAYLOAD, idNumber: makeIdNumber('520324', '20140302', '777'), villageCode: '520324101201', childClass: '6', difficultyType: 'economic', riskLevel: '3', residence: PAYLOAD, school: PAYLOAD, notes: PAYLOAD });
  const childPath = String(created.headers.location);
  expect(await shows(as.caseworker, childPath)).toEqual(safely(childPath));
  expect(await shows(as.caseworker, `/org/${orgId}/children`)).toEqual(safely(`/org/${orgId}/children`));
  await store(as.caseworker, `${childPath}/visits`, { visitedOn: chinaDate(new Date()), findings: `${PAYLOAD} 孩子状态良好。` });
  await store(as.caseworker, `${childPath}/needs`, { needKind: 'tutoring', urgency: '2', needDescription: `${PAYLOAD} 需要每周一次数学课业辅导。` });
  expect(await shows(as.caseworker, childPath)).toEqual(safely(childPath));
});

it('escapes a payload in projects, roles and the public project page', async () => {
  const publisher = as.admin;
  const res = await publisher.post(`/org/${orgId}/projects`, {
    title: `${PAYLOAD}课业辅导`,
    description: `${PAYLOAD} 大学生志愿者每周一次课业辅导。`,
    'needKinds[]': ['tutoring'],
    regionCodes: '520324',
    minAge: '6',
    maxAge: '15',
    capacity: '5',
    budgetPerChildFen: '100',
    fundingGoalFen: '500',
    // Started lately, so no quarterly disclosure is overdue yet: an overdue project leaves the public list.
    startOn: new Date(Date.now() - 20 * 86_400_000).toISOString().slice(0, 10),
    endOn: '2099-02-28',
  });
  expect(res.status).toBe(303);
  const projectPath = String(res.headers.location);
  await store(publisher, `${projectPath}/roles`, { roleTitle: `${PAYLOAD}`.slice(0, 30), roleKind: 'tutor', slots: '1', cadence: PAYLOAD });
  expect(await shows(publisher, projectPath)).toEqual(safely(projectPath));
  const projectId = projectPath.split('/').pop()!;
  await store(publisher, `${projectPath}/submit`, {});
  await store(as.platform, `/admin/projects/${projectId}/review`, { decision: 'approve' });
  expect(await shows(new Browser(ctx.app), `/projects/${projectId}`)).toEqual(safely(`/projects/${projectId}`));
  expect(await shows(new Browser(ctx.app), '/projects')).toEqual(safely('/projects'));
});

it('escapes a payload in gifts and spending, on the finance pages and the public fund report', async () => {
  const gift = await as.finance.agent
    .post(`/org/${orgId}/gifts`)
    .field('_csrf', (/name="_csrf" value="([^"]+)"/.exec((await as.finance.get(`/org/${orgId}/gifts`)).text) ?? [])[1])
    .field('giftAmount', '500')
    .field('method', 'bank_transfer')
    .field('receivedOn', chinaDate(new Date()))
    .field('receiptNumber', 'XSS-1')
    .field('displayName', PAYLOAD)
    .field('publicMessage', PAYLOAD)
    .attach('evidence', Buffer.concat([PDF_BYTES, Buffer.from('% gift\n')]), 'slip.pdf');
  expect(gift.status).toBe(303);
  const spend = await as.finance.agent
    .post(`/org/${orgId}/expenditures`)
    .field('_csrf', (/name="_csrf" value="([^"]+)"/.exec((await as.finance.get(`/org/${orgId}/expenditures`)).text) ?? [])[1])
    .field('category', 'goods')
    .field('spendingAmount', '10')
    .field('spentOn', chinaDate(new Date()))
    .field('payeeType', 'supplier')
    .field('spendingDescription', `${PAYLOAD} 文具`)
    .attach('evidence', Buffer.concat([PDF_BYTES, Buffer.from('% spend\n')]), 'invoice.pdf');
  expect(spend.status).toBe(303);
  expect(await shows(as.finance, `/org/${orgId}/gifts`)).toEqual(safely(`/org/${orgId}/gifts`));
  expect(await shows(as.admin, `/org/${orgId}/expenditures`)).toEqual(safely(`/org/${orgId}/expenditures`));
  const id = /\/expenditures\/([0-9a-f-]{36})\/approve/.exec((await as.admin.get(`/org/${orgId}/expenditures`)).text)![1];
  await store(as.admin, `/org/${orgId}/expenditures/${id}/approve`, { password: PASSWORD });
  expect(await shows(new Browser(ctx.app), `/funds/organizations/${orgId}`)).toEqual(safely(`/funds/organizations/${orgId}`));
});

it('escapes a payload in a volunteer profile, messages and concerns', async () => {
  await store(as.individual, '/volunteer/profile', { skills: ['tutoring'], onlineOnly: 'on', travelKm: '0', motivation: `${PAYLOAD} 希望长期陪伴孩子。`, languages: '普通话' });
  expect(await shows(as.individual, '/volunteer/profile')).toEqual(safely('/volunteer/profile'));
  await store(as.individual, '/volunteer/organizations', { organizationId: orgId });
  await store(as.individual, `/volunteer/organizations/${orgId}/messages`, { messageBody: PAYLOAD });
  expect(await shows(as.individual, `/volunteer/organizations/${orgId}`)).toEqual(safely(`/volunteer/organizations/${orgId}`));
  await store(as.individual, `/volunteer/organizations/${orgId}/concerns`, { concern: `${PAYLOAD} 这是一份安全关切报告。` });
  expect(await shows(as.admin, `/org/${orgId}/volunteers/concerns`)).toEqual(safely(`/org/${orgId}/volunteers/concerns`));
});
