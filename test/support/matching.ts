import { eq } from 'drizzle-orm';
import { memberships, needs, organizations } from '../../server/db/schema';
import { makeIdNumber } from '../../server/children/id-number.rules';
import { translator } from '../../server/lib/i18n';
import type { Actor, OrgKind, OrgRole } from '../../server/lib/authorization';
import type { ProjectInput } from '../../server/projects/projects.schemas';
import type { TestContext } from './app';
import { makeMember, makeOrg, makeUser } from './factories';

/** Fixtures for help projects and matching: organizations on both sides, children, published needs, open projects. */

export const t = translator('zh-CN');
let seq = 0;

export async function actorOf(ctx: TestContext, userId: string): Promise<Actor> {
  return (await ctx.services.accounts.loadActor(userId))!;
}

/** A verified organization registered in `regionCode`, with one member per role list given. */
export async function orgWith(ctx: TestContext, kind: OrgKind, regionCode: string | null, roles: OrgRole[][]) {
  const org = await makeOrg(ctx.database.db, { kind });
  if (regionCode) await ctx.database.db.update(organizations).set({ regionCode }).where(eq(organizations.id, org.id));
  const members = [];
  for (const r of roles) {
    const user = await makeMember(ctx.database.db, org.id, r);
    members.push({ user, actor: await actorOf(ctx, user.id) });
  }
  return { org, members };
}

export async function platformAdmin(ctx: TestContext) {
  const user = await makeUser(ctx.database.db, { isPlatformAdmin: true });
  return { user, actor: await actorOf(ctx, user.id) };
}

/** Registers a child (a left-behind child in 瑞溪镇, 正安县, born 2015 unless told otherwise); returns its id. */
export async function registerChild(ctx: TestContext, actor: Actor, orgId: string, over: { idNumber?: string; villageCode?: string; birth?: string; childClass?: number; riskLevel?: number } = {}): Promise<string> {
  seq++;
  const child = ctx.services.children.childFromForm(
    {
      childName: `测试儿童${seq}`,
      idNumber: over.idNumber ?? makeIdNumber('520324', over.birth ?? '20150601', String(100 + seq)),
      villageCode: over.villageCode ?? '520324101201',
      childClass: over.childClass ?? 6,
      difficultyType: 'guardianship',
      riskLevel: over.riskLevel ?? 2,
      ethnicity: null,
      guardianName: null,
      guardianRelation: null,
      guardianPhone: null,
      residence: null,
      school: null,
      notes: null,
    },
    t,
  );
  return (await ctx.services.children.create(actor, orgId, child, t)).id;
}

/**
 * Records the guardian's verbal consent (witnessed by `caseworker`) to help with the need, as a
 * caseworker does before confirming help that meets the child; returns the consent id.
 */
export async function consentToHelp(ctx: TestContext, caseworker: Actor, orgId: string, needId: string): Promise<string> {
  const input = { guardianName: '测试监护人', guardianRelation: 'grandmother' as const, consentedOn: '2024-01-01', consentMethod: 'verbal' as const };
  return (await ctx.services.guardian.recordConsent(caseworker, orgId, { purpose: 'help', needId }, input, [], t)).id;
}

/** Records and publishes a need of the child; returns the need id. */
export async function publishNeed(ctx: TestContext, actor: Actor, orgId: string, childId: string, over: { kind?: string; urgency?: number } = {}): Promise<string> {
  const { id } = await ctx.services.needs.create(actor, orgId, childId, {
    needKind: (over.kind ?? 'tutoring') as 'tutoring',
    needDescription: '孩子需要长期稳定的帮助，希望有人定期陪伴和辅导。',
    urgency: over.urgency ?? 3,
    amount: null,
    quantity: null,
    startOn: null,
    endOn: null,
  });
  await submitAndApprove(ctx, actor, orgId, id);
  return id;
}

/**
 * A supervisor of the organization who may approve `needId` (neither `requesterId` nor the
 * need's author); one is added with the supervisor role when the organization has none.
 */
export async function approverFor(ctx: TestContext, orgId: string, needId: string, requesterId: string): Promise<Actor> {
  const db = ctx.database.db;
  const need = await db.query.needs.findFirst({ where: eq(needs.id, needId) });
  const members = await db.select().from(memberships).where(eq(memberships.organizationId, orgId));
  const found = members.find((m) => m.roles.includes('supervisor') && m.userId !== requesterId && m.userId !== need?.createdBy);
  return actorOf(ctx, found?.userId ?? (await makeMember(db, orgId, ['supervisor'])).id);
}

/** What publishing a draft takes: its author submits it, and a second person, a supervisor, approves it. Returns the approval's result. */
export async function submitAndApprove(ctx: TestContext, author: Actor, orgId: string, needId: string) {
  await ctx.services.needs.submit(author, orgId, needId, t);
  return ctx.services.needs.approve(await approverFor(ctx, orgId, needId, author.userId), orgId, needId, t);
}

/** A sound project: tutoring in 正安县 for ages 6–15, 5 places, a year from 2026-02-01. */
export function projectInput(over: Partial<ProjectInput> = {}): ProjectInput {
  return {
    title: '课业辅导 · 正安县',
    description: '志愿者每周一次课业辅导，每学期回访评估。',
    needKinds: ['tutoring'],
    regionCodes: ['520324'],
    eligibleClasses: [],
    minAge: 6,
    maxAge: 15,
    capacity: 5,
    budgetPerChildFen: 100_000,
    fundingGoalFen: 500_000,
    startOn: '2026-02-01',
    endOn: '2027-01-31',
    ...over,
  };
}

/** The project form as a browser sends it (money in yuan, regions as typed). */
export function projectForm(over: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    title: '春苗课业辅导',
    description: '大学生志愿者每周一次课业辅导，每学期回访评估。',
    'needKinds[]': ['tutoring', 'companionship'],
    regionCodes: '520324 520325',
    minAge: '6',
    maxAge: '15',
    capacity: '20',
    budgetPerChildFen: '1,200',
    fundingGoalFen: '24000',
    startOn: '2026-03-01',
    endOn: '2027-02-28',
    ...over,
  };
}

/**
 * For the authorization matrix: an open companionship project of the organization with one
 * volunteer role, a proposal waiting on it, and help under way for another of its children.
 */
export async function helpFixture(ctx: TestContext, a: { orgId: string; admin: Actor; caseworker: Actor }) {
  const reviewer = (await platformAdmin(ctx)).actor;
  const projectId = await openProject(ctx, a.admin, a.orgId, reviewer, { title: '矩阵陪伴项目', needKinds: ['companionship'], startOn: '2026-01-01', endOn: '2099-12-31' });
  await ctx.services.projects.addRole(a.admin, a.orgId, projectId, { roleTitle: '陪伴志愿者', roleKind: 'companion', cadence: '每周一次', requiredSkills: [], slots: 2 });
  const roleId = (await ctx.services.projects.managed(a.admin, a.orgId, projectId)).roles[0].id;
  const waiting = await publishNeed(ctx, a.caseworker, a.orgId, await registerChild(ctx, a.caseworker, a.orgId), { kind: 'companionship' });
  const helped = await publishNeed(ctx, a.caseworker, a.orgId, await registerChild(ctx, a.caseworker, a.orgId), { kind: 'companionship' });
  await ctx.services.matching.rematchFor({ needIds: [waiting, helped] });
  const screen = await ctx.services.matching.needScreen(a.caseworker, a.orgId, t);
  const proposalOf = (needId: string) => screen.proposals.find((p) => p.needId === needId)!.id;
  await ctx.services.matching.accept(a.admin, a.orgId, proposalOf(helped), t);
  await consentToHelp(ctx, a.caseworker, a.orgId, helped);
  const { helpRecordId } = await ctx.services.matching.confirm(a.caseworker, a.orgId, proposalOf(helped), t);
  return { projectId, roleId, proposalId: proposalOf(waiting), helpRecordId };
}

/** Creates, submits and approves a project (approval runs matching for it); returns its id. */
export async function openProject(ctx: TestContext, publisher: Actor, orgId: string, reviewer: Actor, over: Partial<ProjectInput> = {}): Promise<string> {
  const { id } = await ctx.services.projects.create(publisher, orgId, projectInput(over), t);
  await ctx.services.projects.submit(publisher, orgId, id, t);
  await ctx.services.projects.review(reviewer, id, 'approve', '', t);
  return id;
}
