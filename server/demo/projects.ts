import { projectRoles, projects } from '../db/schema';
import type { Database } from '../db/client';
import type { MatchingService } from '../matching/matching.service';
import { chinaDate } from '../children/id-number.rules';
import { addDays } from '../lib/days';

/**
 * The demo county's help projects: the charity and the caring enterprise (both registered in
 * 遵义市) offer tutoring, companionship, school aid and safety lessons in 正安县 and 道真县. They are
 * seeded as already reviewed and open, and matching runs once, so proposals wait on first start.
 * One more project waits for review, so the review queue is not empty either.
 */
export async function seedProjects(db: Database, matching: MatchingService, ids: { charityId: string; enterpriseId: string; charityUserId: string; enterpriseUserId: string; adminUserId: string }): Promise<void> {
  const today = chinaDate(new Date());
  const opened = { status: 'open', reviewedBy: ids.adminUserId, reviewedAt: new Date(), openedAt: new Date(), submittedAt: new Date() };
  const rows = [
    {
      organizationId: ids.charityId,
      createdBy: ids.charityUserId,
      title: '春苗课业辅导 · 正安道真留守儿童',
      description: '大学生志愿者每周一次线上线下结合的课业辅导，重点是小学数学和语文，每学期与儿童主任一起回访评估学习变化。',
      needKinds: ['tutoring', 'companionship'],
      regionCodes: ['520324', '520325'],
      eligibleClasses: [],
      minAge: 6,
      maxAge: 15,
      capacity: 40,
      budgetPerChildFen: 120_000,
      fundingGoalFen: 4_800_000,
      startOn: addDays(today, -30),
      endOn: addDays(today, 335),
      ...opened,
    },
    {
      organizationId: ids.charityId,
      createdBy: ids.charityUserId,
      title: '童心守护 · 心理陪伴计划',
      description: '持证心理咨询师与“爱心家长”结对，为孤儿、事实无人抚养儿童和留守儿童提供每两周一次的心理疏导和亲情陪伴。',
      needKinds: ['psychological', 'companionship'],
      regionCodes: ['520300'],
      eligibleClasses: [1, 2, 6],
      minAge: 8,
      maxAge: 17,
      capacity: 25,
      budgetPerChildFen: 80_000,
      fundingGoalFen: 2_000_000,
      startOn: addDays(today, -10),
      endOn: addDays(today, 355),
      ...opened,
    },
    {
      organizationId: ids.enterpriseId,
      createdBy: ids.enterpriseUserId,
      title: '山花助学金 · 正安县',
      description: '为经济困难家庭的中小学生提供一学年的住宿费、学习用品和冬衣，由企业员工志愿者送到学校。',
      needKinds: ['education', 'living'],
      regionCodes: ['520324'],
      eligibleClasses: [],
      minAge: 6,
      maxAge: 17,
      capacity: 30,
      budgetPerChildFen: 200_000,
      fundingGoalFen: 6_000_000,
      startOn: today,
      endOn: addDays(today, 300),
      ...opened,
    },
    {
      organizationId: ids.enterpriseId,
      createdBy: ids.enterpriseUserId,
      title: '安全护航 · 防溺水与交通安全课',
      description: '暑假前在乡镇学校开设防溺水、交通安全和自我保护课程，并为路途远的孩子配发反光书包。',
      needKinds: ['safety', 'social'],
      regionCodes: ['520324103', '520324105', '520324202'],
      eligibleClasses: [],
      minAge: 6,
      maxAge: 14,
      capacity: 60,
      budgetPerChildFen: 15_000,
      fundingGoalFen: 900_000,
      startOn: addDays(today, 14),
      endOn: addDays(today, 120),
      status: 'under_review',
      submittedAt: new Date(),
    },
  ];
  const inserted = await db.insert(projects).values(rows).returning({ id: projects.id, title: projects.title });
  const byTitle = new Map(inserted.map((p) => [p.title, p.id]));
  await db.insert(projectRoles).values([
    { projectId: byTitle.get(rows[0].title)!, title: '课业辅导志愿者', roleKind: 'tutor', cadence: '每周一次', requiredSkills: ['小学数学', '语文'], slots: 20 },
    { projectId: byTitle.get(rows[1].title)!, title: '心理咨询师', roleKind: 'counselor', cadence: '每两周一次', requiredSkills: ['心理咨询师证书'], slots: 5 },
    { projectId: byTitle.get(rows[1].title)!, title: '爱心家长', roleKind: 'companion', cadence: '每周通话', requiredSkills: [], slots: 25 },
  ]);
  await matching.runAll(ids.adminUserId);
}
