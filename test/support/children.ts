import crypto from 'node:crypto';
import { children, needs, publishedNeeds } from '../../server/db/schema';
import type { Database } from '../../server/db/client';
import type { ChildrenService, NewChild } from '../../server/children/children.service';
import { makeIdNumber } from '../../server/children/id-number.rules';
import { children as regionChildren } from '../../server/lib/regions';
import { newPublicCode } from '../../server/needs/needs.rules';

/** A small deterministic PRNG so a seeded county is the same on every run. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

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
 * (the caller then runs NeedsService.reanonymize). Bulk inserts: this is set-up, not the path under test.
 */
export async function seedChildren(db: Database, svc: ChildrenService, opts: { organizationId: string; createdBy: string; countyCode: string; count: number; publish?: number; seed?: number; idSeqStart?: number }): Promise<SeededChild[]> {
  const rand = prng(opts.seed ?? 7);
  const villages = villagesOf(opts.countyCode);
  const seeded: SeededChild[] = [];
  const childRows = [];
  const needRows = [];
  const pubRows = [];
  for (let i = 0; i < opts.count; i++) {
    const id = crypto.randomUUID();
    const year = 2009 + Math.floor(rand() * 16);
    const month = 1 + Math.floor(rand() * 12);
    const day = 1 + Math.floor(rand() * 28);
    const idNumber = makeIdNumber(opts.countyCode, `${year}${String(month).padStart(2, '0')}${String(day).padStart(2, '0')}`, String((opts.idSeqStart ?? 0) + i).padStart(3, '0').slice(-3));
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
    childRows.push(svc.rowFor(id, opts.organizationId, child, opts.createdBy));
    const needId = crypto.randomUUID();
    const kind = ['tutoring', 'companionship', 'education', 'psychological', 'living'][i % 5];
    needRows.push({ id: needId, childId: id, organizationId: opts.organizationId, kind, description: 'x', urgency: 1 + (i % 4), status: i < (opts.publish ?? 0) ? 'published' : 'draft', createdBy: opts.createdBy });
    if (i < (opts.publish ?? 0)) pubRows.push({ needId, publicCode: newPublicCode((m) => Math.floor(rand() * m)), kind, urgency: 1 + (i % 4), description: '孩子父母在外务工，需要每周一次课业辅导和陪伴。', difficultyType: child.difficultyType, visible: false });
    seeded.push({ id, name, idNumber, guardianName, guardianPhone });
  }
  for (let i = 0; i < childRows.length; i += 500) await db.insert(children).values(childRows.slice(i, i + 500));
  for (let i = 0; i < needRows.length; i += 500) await db.insert(needs).values(needRows.slice(i, i + 500));
  for (let i = 0; i < pubRows.length; i += 500) await db.insert(publishedNeeds).values(pubRows.slice(i, i + 500));
  return seeded;
}
