import { and, eq } from 'drizzle-orm';
import { needs } from '../../../server/db/schema';
import { makeIdNumber } from '../../../server/children/id-number.rules';
import { seedChildren } from '../../../server/demo/county';
import { Browser, startTestApp, type TestContext } from '../../support/app';
import { makeMember, makeOrg, makeUser, PASSWORD } from '../../support/factories';
import { submitAndApprove } from '../../support/matching';

/** The identifying data of the child the volunteer is paired with: none of it may reach the volunteer. */
export const CHILD = {
  name: '冉小花',
  idNumber: makeIdNumber('520324', '20130512', '042'),
  birthDate: '2013-05-12',
  guardianName: '冉桂兰',
  guardianPhone: '13908520001',
  residence: '尖峰村三组12号',
  school: '瑞溪镇中心小学',
  village: '尖峰村',
};
export const SECRETS = [CHILD.name, CHILD.idNumber, CHILD.birthDate, CHILD.guardianName, CHILD.guardianPhone, CHILD.residence, CHILD.school, CHILD.village];

/** A clock the test moves; the app reads it through `now`. Starts at noon on 1 June 2026 in China. */
export function clock() {
  let at = new Date('2026-06-01T04:00:00Z');
  return {
    now: () => at,
    /** Moves to noon (China) of `day`. */
    set: (day: string) => {
      at = new Date(`${day}T04:00:00Z`);
    },
  };
}

export interface VolunteerWorld {
  ctx: TestContext;
  clock: ReturnType<typeof clock>;
  orgId: string;
  /** The child's companionship need (published, visible) and the id of a need of another child. */
  needId: string;
  childId: string;
  otherChildNeedId: string;
  volunteerId: string;
  volunteer: Browser;
  staffId: string;
  staff: Browser;
  caseworker: Browser;
  admin: Browser;
  adminEmail: string;
}

/**
 * A verified charity with an admin, a staff coordinator and a caseworker; a county of 300
 * published children plus 冉小花, whose companionship need is published; and a person who has
 * an account but has not yet signed up as a volunteer.
 */
export async function volunteerWorld(): Promise<VolunteerWorld> {
  const c = clock();
  const ctx = await startTestApp({ now: c.now });
  const db = ctx.database.db;
  const org = await makeOrg(db, { name: '遵义市春苗儿童关爱中心' });
  const adminUser = await makeMember(db, org.id, ['admin']);
  const staffUser = await makeMember(db, org.id, ['staff']);
  const caseworkerUser = await makeMember(db, org.id, ['caseworker']);
  const volunteerUser = await makeUser(db, { displayName: '林小雨' });
  await seedChildren(db, ctx.services.children, { organizationId: org.id, createdBy: caseworkerUser.id, countyCode: '520324', count: 300, publish: 300, seed: 5 });
  await ctx.services.needs.reanonymize();
  const caseworkerActor = (await ctx.services.accounts.loadActor(caseworkerUser.id))!;
  const t = (k: string) => k;
  const child = await ctx.services.children.create(
    caseworkerActor,
    org.id,
    ctx.services.children.childFromForm(
      { childName: CHILD.name, idNumber: CHILD.idNumber, villageCode: '520324101201', childClass: 6, difficultyType: 'guardianship', riskLevel: 2, ethnicity: '仡佬族', guardianName: CHILD.guardianName, guardianRelation: '祖母', guardianPhone: CHILD.guardianPhone, residence: CHILD.residence, school: CHILD.school, notes: null },
      t,
    ),
    t,
  );
  const need = await ctx.services.needs.create(caseworkerActor, org.id, child.id, { needKind: 'companionship', needDescription: '孩子与年迈的祖母同住，性格内向，需要志愿者长期陪伴和交流。', urgency: 3, amount: null, quantity: null, startOn: null, endOn: null });
  const published = await submitAndApprove(ctx, caseworkerActor, org.id, need.id);
  if (!published.visible) throw new Error('the test need was held back; the seeded county is too small');
  const [other] = await db.select({ id: needs.id }).from(needs).where(and(eq(needs.organizationId, org.id), eq(needs.kind, 'companionship'), eq(needs.status, 'published')));
  const logIn = async (email: string, n: number) => {
    const b = new Browser(ctx.app, { 'X-Forwarded-For': `198.51.100.${n}` });
    await b.logIn(email, PASSWORD);
    return b;
  };
  return {
    ctx,
    clock: c,
    orgId: org.id,
    needId: need.id,
    childId: child.id,
    otherChildNeedId: other.id,
    volunteerId: volunteerUser.id,
    volunteer: await logIn(volunteerUser.email, 1),
    staffId: staffUser.id,
    staff: await logIn(staffUser.email, 2),
    caseworker: await logIn(caseworkerUser.email, 3),
    admin: await logIn(adminUser.email, 4),
    adminEmail: adminUser.email,
  };
}

export const PROFILE = {
  skills: ['companionship', 'tutoring'],
  tutoringSubjects: ['math'],
  languages: '普通话、贵州话',
  regionCode: '520324',
  travelKm: '50',
  availability: ['6-morning', '7-afternoon'],
  motivation: '大学时参加过支教，希望长期陪伴一个孩子成长。',
};

/** Signs the person up as a volunteer and joins the world's organization. */
export async function signUpAndJoin(w: VolunteerWorld): Promise<void> {
  const profile = await w.volunteer.post('/volunteer/profile', PROFILE);
  if (profile.status !== 303) throw new Error(`profile: ${profile.status} ${profile.text.slice(0, 500)}`);
  const join = await w.volunteer.post('/volunteer/organizations', { organizationId: w.orgId });
  if (join.status !== 303) throw new Error(`join: ${join.status}`);
}

export const VALID_VETTING = {
  identityVerifiedOn: '2026-05-20',
  backgroundCheckOn: '2026-05-10',
  backgroundCheckExpiresOn: '2026-08-31',
  trainings: '2026-05-25 儿童保护基础培训\n2026-05-26 陪伴技巧',
  qualifiedRoles: ['companion', 'tutor'],
};

/** The guardian's verbal consent as the caseworker records it (witnessed by the caseworker). */
export const VERBAL_CONSENT = { guardianName: CHILD.guardianName, guardianRelation: 'grandmother', consentedOn: '2026-05-30', consentMethod: 'verbal' };

/** The caseworker records the guardian's consent to the pairing (verbal unless told otherwise). */
export async function recordConsent(w: VolunteerWorld, pairingId: string, over: Record<string, string> = {}): Promise<void> {
  const res = await w.caseworker.post(`/org/${w.orgId}/volunteers/pairings/${pairingId}/consent`, { ...VERBAL_CONSENT, ...over });
  if (res.status !== 303) throw new Error(`consent: ${res.status} ${(res.text.match(/class="(alert alert-error|error-text)"[^>]*>[^<]*/g) ?? []).join(' | ')}`);
}

/** Vets, requests (staff), records the guardian's consent and approves (caseworker) a pairing of the volunteer with 冉小花's need; returns its id. */
export async function activePairing(w: VolunteerWorld, opts: { nickname?: string; vetting?: Record<string, string | string[]> } = {}): Promise<string> {
  await w.staff.post(`/org/${w.orgId}/volunteers/${w.volunteerId}/vetting`, opts.vetting ?? VALID_VETTING);
  const res = await w.staff.post(`/org/${w.orgId}/volunteers/${w.volunteerId}/pairings`, { needIds: [w.needId], nickname: opts.nickname ?? '小花', roleKind: 'companion', termMonths: '12', checkInEvery: 'month' });
  if (res.status !== 303) throw new Error(`pairing: ${res.status} ${(res.text.match(/class="(alert alert-error|error-text)"[^>]*>[^<]*/g) ?? []).join(' | ')}`);
  const id = String(res.headers.location).split('/').pop()!;
  await recordConsent(w, id);
  const ok = await w.caseworker.post(`/org/${w.orgId}/volunteers/pairings/${id}/approve`);
  if (ok.status !== 303) throw new Error(`approve: ${ok.status}`);
  return id;
}
