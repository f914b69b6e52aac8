import type { Database } from '../db/client';
import type { ChildrenService } from '../children/children.service';
import type { NeedsService } from '../needs/needs.service';
import { seedChildren } from './county';
import { seedProjects } from './projects';
import { seedMoney, type MoneyDemoDeps } from './money';
import { seedHelp, type DemoHelp } from './help';
import type { MatchingService } from '../matching/matching.service';
import { seedVolunteers, type VolunteerDemoDeps } from './volunteers';
import { memberships, organizations, users } from '../db/schema';
import type { OrgRole } from '../lib/authorization';
import { hashPassword } from '../lib/passwords';
import { creditCodeCheckChar } from '../organizations/organizations.rules';

/** Every demo account shares this password; it is printed at start so a new user can look around. */
export const DEMO_PASSWORD = 'carebridge-demo-2026';

const code = (first17: string) => first17 + creditCodeCheckChar(first17);

// A fictional county in the hills of northern Guizhou (正安县, 520324): the kind of place the seeds describe.
const ORGS = [
  { key: 'civil', name: '正安县民政局', kind: 'government', creditCode: code('11520324MB1234567'), regionCode: '520324', description: '负责全县困境儿童和农村留守儿童关爱保护工作的统筹协调。' },
  { key: 'women', name: '正安县妇女联合会', kind: 'government', creditCode: code('13520324MB2345678'), regionCode: '520324', description: '组织“爱心妈妈”结对关爱活动，维护妇女儿童合法权益。' },
  { key: 'charity', name: '遵义市春苗儿童关爱中心', kind: 'charity', creditCode: code('52520300MJ3456789'), regionCode: '520300', description: '扎根黔北山区十年，为留守儿童提供课业辅导、心理陪伴和助学金。' },
  { key: 'enterprise', name: '黔北山花科技有限公司', kind: 'enterprise', creditCode: code('91520300MA4567890'), regionCode: '520300', description: '爱心企业，每年设立助学项目并组织员工志愿服务。' },
  { key: 'pending', name: '正安县青苗社会工作服务中心', kind: 'charity', creditCode: code('52520324MJ5678901'), regionCode: '520324', description: '新成立的社工机构，等待平台认证。' },
] as const;

type OrgKey = (typeof ORGS)[number]['key'];
const PEOPLE: { email: string; name: string; platformAdmin?: boolean; volunteer?: boolean; donor?: boolean; org?: OrgKey; roles?: OrgRole[]; what: string }[] = [
  { email: 'admin@carebridge.demo', name: '平台管理员', platformAdmin: true, what: '平台管理员 platform admin' },
  { email: 'minzheng@carebridge.demo', name: '王建国', org: 'civil', roles: ['admin', 'supervisor'], what: '民政局管理员 civil-affairs admin' },
  { email: 'fulian@carebridge.demo', name: '李秀英', org: 'women', roles: ['admin', 'staff'], what: '妇联工作人员 women’s federation' },
  { email: 'director@carebridge.demo', name: '张春梅', org: 'civil', roles: ['caseworker'], what: '儿童主任 village child director' },
  { email: 'supervisor@carebridge.demo', name: '刘德华', org: 'civil', roles: ['supervisor', 'caseworker'], what: '儿童督导员 township supervisor' },
  { email: 'charity@carebridge.demo', name: '陈晓', org: 'charity', roles: ['admin', 'caseworker'], what: '公益机构管理员 charity admin' },
  { email: 'finance@carebridge.demo', name: '赵敏', org: 'charity', roles: ['finance'], what: '公益机构财务 charity finance' },
  { email: 'staff@carebridge.demo', name: '孙立', org: 'charity', roles: ['staff'], what: '公益机构工作人员 charity staff' },
  { email: 'mentor@carebridge.demo', name: '何静', org: 'charity', roles: ['supervisor', 'caseworker'], what: '公益机构督导 charity supervisor' },
  { email: 'enterprise@carebridge.demo', name: '周海', org: 'enterprise', roles: ['admin', 'finance'], what: '爱心企业管理员 enterprise admin' },
  { email: 'applicant@carebridge.demo', name: '吴青', org: 'pending', roles: ['admin'], what: '待认证机构申请人 pending applicant' },
  { email: 'volunteer@carebridge.demo', name: '林小雨', volunteer: true, what: '志愿者 volunteer' },
  { email: 'donor@carebridge.demo', name: '黄先生', donor: true, what: '捐赠人 donor' },
];

export interface DemoLogin {
  email: string;
  password: string;
  what: string;
}

/** Fills an empty database with a living demo county. Returns the demo log-ins to print. */
export async function seedDemo(deps: { db: Database; children: ChildrenService; needs: NeedsService; matching?: MatchingService; money?: MoneyDemoDeps; volunteers?: VolunteerDemoDeps }): Promise<DemoLogin[]> {
  const { db } = deps;
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const ids = await db.transaction(async (tx) => {
    const userIds = new Map<string, string>();
    for (const p of PEOPLE) {
      const [u] = await tx
        .insert(users)
        .values({ email: p.email, displayName: p.name, passwordHash, isPlatformAdmin: Boolean(p.platformAdmin), isVolunteer: Boolean(p.volunteer), isDonor: Boolean(p.donor) })
        .returning({ id: users.id });
      userIds.set(p.email, u.id);
    }
    const adminId = userIds.get('admin@carebridge.demo')!;
    const orgIds = new Map<string, string>();
    for (const o of ORGS) {
      const verified = o.key !== 'pending';
      const [row] = await tx
        .insert(organizations)
        .values({ name: o.name, kind: o.kind, creditCode: o.creditCode, regionCode: o.regionCode, description: o.description, status: verified ? 'verified' : 'pending', reviewedBy: verified ? adminId : null, reviewedAt: verified ? new Date() : null })
        .returning({ id: organizations.id });
      orgIds.set(o.key, row.id);
    }
    for (const p of PEOPLE) {
      if (!p.org) continue;
      await tx.insert(memberships).values({ organizationId: orgIds.get(p.org)!, userId: userIds.get(p.email)!, roles: p.roles! });
    }
    return { userIds, orgIds };
  });
  // 正安县's children are kept by the civil-affairs bureau; the charity keeps some in neighbouring 道真县.
  // Their published needs were approved by a supervisor other than the author, as every publication is.
  await seedChildren(db, deps.children, { organizationId: ids.orgIds.get('civil')!, createdBy: ids.userIds.get('director@carebridge.demo')!, approvedBy: ids.userIds.get('supervisor@carebridge.demo')!, countyCode: '520324', count: 420, publish: 360, awaiting: 4, seed: 2026 });
  await seedChildren(db, deps.children, { organizationId: ids.orgIds.get('charity')!, createdBy: ids.userIds.get('charity@carebridge.demo')!, approvedBy: ids.userIds.get('mentor@carebridge.demo')!, countyCode: '520325', count: 160, publish: 140, seed: 2027, idSeqStart: 600 });
  await deps.needs.reanonymize();
  if (deps.matching) {
    const user = (email: string) => ids.userIds.get(email)!;
    await seedProjects(db, deps.matching, { charityId: ids.orgIds.get('charity')!, enterpriseId: ids.orgIds.get('enterprise')!, charityUserId: user('charity@carebridge.demo'), enterpriseUserId: user('enterprise@carebridge.demo'), adminUserId: user('admin@carebridge.demo') });
  }
  if (deps.money) {
    // The first of the charity's projects takes its money and, when matching ran, its first running help.
    const charityId = ids.orgIds.get('charity')!;
    const [project] = (await deps.money.donations.donationTarget(charityId, null)).projects;
    let help: DemoHelp | null = null;
    if (deps.matching && deps.volunteers && project) {
      help = await seedHelp(db, { accounts: deps.money.accounts, matching: deps.matching, guardian: deps.volunteers.guardian }, { charityId, charityUserId: ids.userIds.get('charity@carebridge.demo')!, projectId: project.id });
    }
    await seedMoney(deps.money, { help, charityId: ids.orgIds.get('charity')!, financeUserId: ids.userIds.get('finance@carebridge.demo')!, approverUserId: ids.userIds.get('charity@carebridge.demo')!, donorUserId: ids.userIds.get('donor@carebridge.demo')!, password: DEMO_PASSWORD });
  }
  if (deps.volunteers) {
    await seedVolunteers(db, deps.volunteers, { volunteerId: ids.userIds.get('volunteer@carebridge.demo')!, charityId: ids.orgIds.get('charity')!, coordinatorId: ids.userIds.get('staff@carebridge.demo')!, caseworkerId: ids.userIds.get('charity@carebridge.demo')! });
  }
  return PEOPLE.map((p) => ({ email: p.email, password: DEMO_PASSWORD, what: p.what }));
}

/** The demo log-ins as a plain table for the console. */
export function formatDemoLogins(logins: DemoLogin[]): string {
  const width = Math.max(...logins.map((l) => l.email.length));
  return ['Demo log-ins 演示账户 (password 密码: ' + DEMO_PASSWORD + ')', ...logins.map((l) => `  ${l.email.padEnd(width)}  ${l.what}`)].join('\n');
}
