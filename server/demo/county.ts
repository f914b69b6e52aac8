import crypto from 'node:crypto';
import { children, needReviews, needs, publishedNeeds } from '../db/schema';
import type { Database } from '../db/client';
import type { ChildrenService, NewChild } from '../children/children.service';
import { makeIdNumber } from '../children/id-number.rules';
import { children as regionChildren } from '../lib/regions';
import { newPublicCode } from '../needs/needs.rules';
import { prng } from '../lib/prng';

/**
 * A generated county of children with needs, for the demo and for tests that need volume.
 * Names, ID numbers and phones are invented; the ID numbers pass GB 11643 so they look real.
 */


/** PII-free need descriptions in a caseworker's words, one per kind. */
const NEED_SAMPLES: Array<[string, string]> = [
  ['tutoring', '父母常年在外务工，孩子数学基础薄弱，希望每周有一次课业辅导。'],
  ['companionship', '孩子与年迈的祖母同住，性格内向，需要志愿者长期陪伴和交流。'],
  ['education', '家庭经济困难，初中阶段的住宿费和学习用品需要资助。'],
  ['psychological', '孩子近期情绪低落、不愿与人交流，需要专业的心理疏导。'],
  ['living', '冬季临近，孩子缺少御寒衣物和被褥。'],
  ['medical', '孩子患有先天性心脏病，术后需要定期复查和康复费用支持。'],
  ['safety', '孩子放学路途较远，需要防溺水和交通安全教育。'],
  ['social', '孩子随祖父母生活，希望参加夏令营等集体活动，融入同伴。'],
];

const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '罗', '冉', '韩'];
const GIVEN = ['子涵', '欣怡', '梓萱', '浩宇', '宇轩', '雨桐', '俊杰', '诗琪', '思远', '明轩', '佳怡', '晨曦', '嘉豪', '语嫣', '天佑', '若曦', '鹏程', '雅婷', '博文', '靖琪'];

export interface SeededChild {
  id: string;
  name: string;
  idNumber: string;
  guardianName: string;
  guardianPhone: string;
}

/** Village codes of a county, from the real division hierarchy. */
export function villagesOf(countyCode: string): string[] {
  return regionChildren(countyCode).flatMap((t) => regionChildren(t.code).map((v) => v.code));
}

/**
 * Registers `count` children in `organizationId`, spread over the county's villages with a
 * realistic class mix, each with one need; `publish` of them get a published projection
 * (the caller then runs NeedsService.reanonymize). With `approvedBy`, each published need also
 * carries its approval as publication takes it: submitted by `createdBy`, approved by that
 * supervisor; the `awaiting` needs after the published ones wait for that approval. Bulk inserts: this is set-up, not the path under test.
 */
export async function seedChildren(db: Database, svc: ChildrenService, opts: { organizationId: string; createdBy: string; countyCode: string; count: number; publish?: number; seed?: number; idSeqStart?: number; approvedBy?: string; awaiting?: number }): Promise<SeededChild[]> {
  const rand = prng(opts.seed ?? 7);
  const villages = villagesOf(opts.countyCode);
  const seeded: SeededChild[] = [];
  const usedIds = new Set<string>();
  const childRows = [];
  const needRows = [];
  const pubRows = [];
  const reviewRows = [];
  const published = opts.publish ?? 0;
  for (let i = 0; i < opts.count; i++) {
    const id = crypto.randomUUID();
    const year = 2009 + Math.floor(rand() * 16);
    const month = 1 + Math.floor(rand() * 12);
    const day = 1 + Math.floor(rand() * 28);
    // The sequence part makes numbers unique; on the rare clash of date and sequence, move on.
    let seq = (opts.idSeqStart ?? 0) + i;
    let idNumber = makeIdNumber(opts.countyCode, `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`, String(seq % 1000).padStart(3, '0'));
    while (usedIds.has(idNumber)) {
      seq += 1;
      idNumber = makeIdNumber(opts.countyCode, `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`, String(seq % 1000).padStart(3, '0'));
    }
    usedIds.add(idNumber);
    const name = SURNAMES[Math.floor(rand() * SURNAMES.length)] + GIVEN[Math.floor(rand() * GIVEN.length)] + (i % 7 === 0 ? '儿' : '');
    const guardianName = SURNAMES[Math.floor(rand() * SURNAMES.length)] + ['建国', '秀英', '德华', '桂兰', '国强'][Math.floor(rand() * 5)];
    const guardianPhone = `13${Math.floor(100000000 + rand() * 899999999)}`;
    const r = rand();
    const childClass = r < 0.6 ? 6 : r < 0.75 ? 4 : r < 0.88 ? 5 : r < 0.93 ? 2 : r < 0.98 ? 3 : 1;
    const child: NewChild = {
      identity: { name, idNumber, birthDate: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`, ethnicity: '仡佬族', guardianName, guardianRelation: '祖母', guardianPhone, residence: `${name.slice(0, 1)}家院子${i}号`, school: '安场镇中心小学', householdRegistration: null, healthNote: null, notes: null },
      sex: Number(idNumber[16]) % 2 === 1 ? 'male' : 'female',
      villageCode: villages[Math.floor(rand() * villages.length)],
      countyCode: opts.countyCode,
      childClass,
      difficultyType: childClass === 6 ? 'guardianship' : childClass === 3 ? 'special' : 'economic',
      riskLevel: 1 + Math.floor(rand() * 4),
    };
    const visitedDaysAgo = Math.floor(rand() * 50);
    const lastVisitOn = rand() < 0.9 ? new Date(Date.now() - visitedDaysAgo * 86_400_000).toISOString().slice(0, 10) : null;
    childRows.push({ ...svc.rowFor(id, opts.organizationId, child, opts.createdBy), lastVisitOn });
    const needId = crypto.randomUUID();
    const [kind, description] = NEED_SAMPLES[i % NEED_SAMPLES.length];
    const urgency = 1 + Math.floor(rand() * 4);
    const status = i < published ? 'published' : i < published + (opts.awaiting ?? 0) ? 'awaiting_approval' : 'draft';
    needRows.push({ id: needId, childId: id, organizationId: opts.organizationId, kind, description: svc.sealNeedDescription(needId, description), urgency, status, createdBy: opts.createdBy });
    if (status === 'published') pubRows.push({ needId, publicCode: newPublicCode((m) => Math.floor(rand() * m)), kind, urgency, description, difficultyType: child.difficultyType, visible: false });
    const at = new Date();
    if (status === 'published' && opts.approvedBy) reviewRows.push({ id: crypto.randomUUID(), needId, organizationId: opts.organizationId, kind: 'publication', requestedBy: opts.createdBy, requestedAt: at, decision: 'approved', decidedBy: opts.approvedBy, decidedAt: at });
    if (status === 'awaiting_approval') reviewRows.push({ id: crypto.randomUUID(), needId, organizationId: opts.organizationId, kind: 'publication', requestedBy: opts.createdBy, requestedAt: at });
    seeded.push({ id, name, idNumber, guardianName, guardianPhone });
  }
  for (let i = 0; i < childRows.length; i += 500) await db.insert(children).values(childRows.slice(i, i + 500));
  for (let i = 0; i < needRows.length; i += 500) await db.insert(needs).values(needRows.slice(i, i + 500));
  for (let i = 0; i < pubRows.length; i += 500) await db.insert(publishedNeeds).values(pubRows.slice(i, i + 500));
  for (let i = 0; i < reviewRows.length; i += 500) await db.insert(needReviews).values(reviewRows.slice(i, i + 500));
  return seeded;
}
