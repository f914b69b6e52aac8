import crypto from 'node:crypto';
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Database } from '../db/client';
import { checkIns, guardianConsents, guardianContacts, hourLogs, needs, pairingNeeds, pairings, publishedNeeds, volunteerProfiles, volunteerVettings } from '../db/schema';
import { chinaDate } from '../children/id-number.rules';
import { addDays, addMonths } from '../lib/days';
import type { PairingsService } from '../volunteers/pairings.service';
import type { GuardianService } from '../volunteers/guardian.service';

/** What the volunteer demo needs of the app's services. */
export interface VolunteerDemoDeps {
  pairings: PairingsService;
  guardian: GuardianService;
}

const CHECK_IN_NOTES = [
  '第一次见面，在村委会和儿童主任一起。孩子有些拘谨，一起读了绘本。',
  '视频通话，孩子讲了学校运动会，数学作业有几道不会，约好下次一起做。',
  '一起做了手工风筝，孩子主动说起想念在外打工的妈妈，已告诉儿童主任。',
];

const GUARDIAN_CONTACT_NOTES = ['电话告知奶奶志愿者的安排，奶奶表示放心。', '上门走访，奶奶说孩子周末盼着志愿者来。', '电话回访，孩子期中考试进步，奶奶很高兴。'];

/**
 * The demo volunteer (林小雨) is vetted by the charity, paired for three months with a child's
 * companionship need (the grandmother's verbal consent witnessed by the caseworker, approved by
 * a second person), has three monthly check-ins (who was present recorded), the caseworker's
 * monthly calls to the grandmother, approved hours and one log waiting. Written directly with
 * dates in the past: the services always act "today", and a living demo needs a history. Names
 * and notes are sealed as the services seal them.
 */
export async function seedVolunteers(db: Database, deps: VolunteerDemoDeps, ids: { volunteerId: string; charityId: string; coordinatorId: string; caseworkerId: string }): Promise<void> {
  const today = chinaDate(new Date());
  const started = addMonths(today, -3);
  await db.insert(volunteerProfiles).values({
    userId: ids.volunteerId,
    skills: ['companionship', 'tutoring'],
    tutoringSubjects: ['math', 'chinese'],
    languages: ['普通话', '贵州话'],
    regionCode: '520302',
    travelKm: 100,
    onlineOnly: false,
    availability: [
      { day: 6, part: 'morning' },
      { day: 6, part: 'afternoon' },
      { day: 3, part: 'evening' },
    ],
    motivation: '大学时参加过山区支教，希望长期陪伴一个孩子，而不是只去一次。',
  });
  await db.insert(volunteerVettings).values({
    organizationId: ids.charityId,
    volunteerUserId: ids.volunteerId,
    identityVerifiedOn: addDays(started, -20),
    backgroundCheckOn: addDays(started, -30),
    backgroundCheckExpiresOn: addMonths(addDays(started, -30), 12),
    trainings: [
      { course: '儿童保护基础培训', completedOn: addDays(started, -14) },
      { course: '陪伴技巧与沟通', completedOn: addDays(started, -7) },
    ],
    qualifiedRoles: ['companion', 'tutor'],
    recordedBy: ids.coordinatorId,
    recordedAt: new Date(`${addDays(started, -7)}T02:00:00Z`),
    joinedAt: new Date(`${addDays(started, -40)}T02:00:00Z`),
  });
  const [need] = await db
    .select({ id: needs.id, childId: needs.childId, regionCode: publishedNeeds.regionCode })
    .from(needs)
    .innerJoin(publishedNeeds, eq(publishedNeeds.needId, needs.id))
    .where(and(eq(needs.organizationId, ids.charityId), eq(needs.kind, 'companionship'), inArray(needs.status, ['published']), eq(publishedNeeds.visible, true)))
    .orderBy(asc(publishedNeeds.publicCode))
    .limit(1);
  if (!need) return;
  const pairingId = crypto.randomUUID();
  await db.insert(pairings).values({
    id: pairingId,
    organizationId: ids.charityId,
    volunteerUserId: ids.volunteerId,
    roleKind: 'companion',
    nickname: '乐乐',
    status: 'active',
    startOn: started,
    endOn: addMonths(started, 12),
    requestedBy: ids.coordinatorId,
    decidedBy: ids.caseworkerId,
    decidedAt: new Date(`${started}T02:00:00Z`),
  });
  await db.insert(pairingNeeds).values({ pairingId, needId: need.id });
  const consentId = crypto.randomUUID();
  await db.insert(guardianConsents).values({
    id: consentId,
    organizationId: ids.charityId,
    childId: need.childId,
    purpose: 'pairing',
    pairingId,
    guardianName: deps.guardian.sealForDemo('guardian_name', consentId, '王桂芬'),
    relation: 'grandmother',
    consentedOn: addDays(started, -3),
    method: 'verbal',
    witnessUserId: ids.caseworkerId,
    recordedBy: ids.caseworkerId,
    createdAt: new Date(`${addDays(started, -3)}T02:00:00Z`),
  });
  for (const [i, note] of GUARDIAN_CONTACT_NOTES.entries()) {
    const id = crypto.randomUUID();
    await db.insert(guardianContacts).values({ id, pairingId, occurredOn: addDays(started, 10 + 30 * i), mode: i === 1 ? 'visit' : 'phone', note: deps.guardian.sealForDemo('contact_note', id, note), recordedBy: ids.caseworkerId });
  }
  const days = [5, 35, 65].map((d) => addDays(started, d));
  for (const [i, day] of days.entries()) {
    const id = crypto.randomUUID();
    await db.insert(checkIns).values({ id, pairingId, occurredOn: day, mode: i === 1 ? 'video' : 'visit', minutes: i === 1 ? 45 : 120, notes: deps.pairings.sealCheckInNotes(id, CHECK_IN_NOTES[i]), guardianPresent: i === 2, caseworkerPresent: i === 0, recordedBy: ids.volunteerId, reviewedBy: i < 2 ? ids.caseworkerId : null, reviewedAt: i < 2 ? new Date(`${addDays(day, 2)}T02:00:00Z`) : null });
  }
  await db.insert(hourLogs).values([
    ...days.map((day, i) => ({ volunteerUserId: ids.volunteerId, organizationId: ids.charityId, pairingId, regionCode: need.regionCode, workedOn: day, startMinute: 9 * 60, minutes: i === 1 ? 45 : 150, description: i === 1 ? '视频陪伴，辅导数学作业' : '上门陪伴，读书和手工', status: 'approved', decidedBy: ids.coordinatorId, decidedAt: new Date(`${addDays(day, 3)}T02:00:00Z`) })),
    { volunteerUserId: ids.volunteerId, organizationId: ids.charityId, pairingId: null, activity: '周末读书会', regionCode: '520325', workedOn: addDays(today, -2), startMinute: 14 * 60, minutes: 180, description: '读书会现场服务', status: 'pending' },
  ]);
}
