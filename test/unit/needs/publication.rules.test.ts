import {
  ageBand,
  ageInYears,
  anonymizePopulation,
  checkKAnonymity,
  chooseGeneralization,
  tupleAtLevel,
  type PublicationDecision,
  type PublicationRecord,
  type PublishedTuple,
} from '../../../server/needs/publication.rules';
import { prng } from '../../../server/lib/prng';


// Eight counties of two cities in 遵义 and 毕节, of very different sizes as in real rosters.
const COUNTIES: [string, number][] = [
  ['520321', 0.3],
  ['520322', 0.2],
  ['520323', 0.15],
  ['520324', 0.12],
  ['520502', 0.1],
  ['520521', 0.07],
  ['520522', 0.04],
  ['520523', 0.02],
];

type ChildClass = PublicationRecord['childClass'];
// Child classes skewed as on a rural roster: 农村留守儿童 (6) most common, 孤儿 (1) rare.
// Illustrative weights, not official statistics.
const CLASSES: [ChildClass, number][] = [
  [1, 0.02],
  [2, 0.05],
  [3, 0.05],
  [4, 0.15],
  [5, 0.13],
  [6, 0.6],
];

function pickWeighted<T>(rand: () => number, items: [T, number][]): T {
  const total = items.reduce((n, [, w]) => n + w, 0);
  let pick = rand() * total;
  return items.find(([, w]) => (pick -= w) < 0)?.[0] ?? items[0][0];
}

function population(size: number, seed: number, counties = COUNTIES): PublicationRecord[] {
  const rand = prng(seed);
  return Array.from({ length: size }, (_, i) => {
    const county = pickWeighted(rand, counties);
    // Left-behind children are mostly of school age.
    const age = rand() < 0.7 ? 6 + Math.floor(rand() * 8) : Math.floor(rand() * 18);
    const sex = rand() < 0.52 ? 'male' : 'female';
    return { id: `c${i}`, childAgeYears: age, sex, countyCode: county, childClass: pickWeighted(rand, CLASSES) };
  });
}

const published = (decisions: Map<string, PublicationDecision>): PublishedTuple[] =>
  [...decisions.values()].flatMap((d) =>
    d.heldBack ? [] : [{ ageBand: d.ageBand, sex: d.sex, regionCode: d.regionCode, regionLevel: d.regionLevel, childClass: d.childClass }],
  );

// A published tuple must generalize the child's real attributes, never misstate them.
function truthful(r: PublicationRecord, d: PublicationDecision): boolean {
  if (d.heldBack) return true;
  const [min, max] = d.ageBand.split('-').map(Number);
  const regionOk = d.regionLevel === 'county' ? d.regionCode === r.countyCode : d.regionCode === `${r.countyCode.slice(0, 4)}00`;
  const classOk = d.childClass === null || d.childClass === r.childClass;
  return r.childAgeYears >= min && r.childAgeYears <= max && (d.sex === null || d.sex === r.sex) && regionOk && classOk;
}

describe('ageInYears', () => {
  it('counts completed years, the birthday itself included', () => {
    expect(ageInYears('2012-03-05', new Date('2025-03-04T12:00:00+08:00'))).toBe(12);
    expect(ageInYears('2012-03-05', new Date('2025-03-05T00:10:00+08:00'))).toBe(13);
  });

  it('uses the date in China whatever the server time zone', () => {
    // 16:30 UTC on 4 March is 00:30 on 5 March in China: the birthday has come.
    expect(ageInYears('2012-03-05', new Date('2025-03-04T16:30:00Z'))).toBe(13);
  });

  it('lets a 29 February child turn a year older on 1 March in a common year', () => {
    expect(ageInYears('2016-02-29', new Date('2025-02-28T12:00:00+08:00'))).toBe(8);
    expect(ageInYears('2016-02-29', new Date('2025-03-01T12:00:00+08:00'))).toBe(9);
  });

  it('rejects a date that is not YYYY-MM-DD', () => {
    expect(() => ageInYears('2012.3.5', new Date())).toThrow(/YYYY-MM-DD/);
  });
});

describe('the generalization ladder', () => {
  const child = { childAgeYears: 10, sex: 'female' as const, countyCode: '520324', childClass: 1 as const };

  it('goes from fine band, sex, county and class to coarse band at city level, and drops the class last', () => {
    expect(tupleAtLevel(child, 1)).toEqual({ ageBand: '9-11', sex: 'female', regionCode: '520324', regionLevel: 'county', childClass: 1 });
    expect(tupleAtLevel(child, 2)).toEqual({ ageBand: '6-13', sex: 'female', regionCode: '520324', regionLevel: 'county', childClass: 1 });
    expect(tupleAtLevel(child, 3)).toEqual({ ageBand: '6-13', sex: null, regionCode: '520324', regionLevel: 'county', childClass: 1 });
    expect(tupleAtLevel(child, 4)).toEqual({ ageBand: '6-13', sex: null, regionCode: '520300', regionLevel: 'city', childClass: 1 });
    expect(tupleAtLevel(child, 5)).toEqual({ ageBand: '6-13', sex: null, regionCode: '520300', regionLevel: 'city', childClass: null });
  });

  it('gives the same child a different tuple at every level, so levels never share a group', () => {
    const keys = ([1, 2, 3, 4, 5] as const).map((l) => JSON.stringify(tupleAtLevel(child, l)));
    expect(new Set(keys).size).toBe(5);
  });

  it('refuses a class outside 1–6', () => {
    expect(() => tupleAtLevel({ ...child, childClass: 7 as ChildClass }, 1)).toThrow(/class must be 1–6/);
    expect(() => tupleAtLevel({ ...child, childClass: null as unknown as ChildClass }, 5)).toThrow(/class must be 1–6/);
  });

  it('puts every age 0–17 in exactly one fine and one coarse band', () => {
    const fine = Array.from({ length: 18 }, (_, a) => ageBand(a, 'fine'));
    expect([...new Set(fine)]).toEqual(['0-2', '3-5', '6-8', '9-11', '12-13', '14-15', '16-17']);
    const coarse = Array.from({ length: 18 }, (_, a) => ageBand(a, 'coarse'));
    expect([...new Set(coarse)]).toEqual(['0-5', '6-13', '14-17']);
    expect(() => ageBand(18, 'fine')).toThrow(RangeError);
  });
});

describe('checkKAnonymity', () => {
  it('reports each published combination shared by fewer than k children', () => {
    const a: PublishedTuple = { ageBand: '9-11', sex: 'male', regionCode: '520324', regionLevel: 'county', childClass: 6 };
    const b: PublishedTuple = { ageBand: '6-13', sex: null, regionCode: '520300', regionLevel: 'city', childClass: null };
    const report = checkKAnonymity([a, a, a, b, { ...b }], 3);
    expect(report.ok).toBe(false);
    expect(report.violations).toEqual([{ tuple: b, count: 2 }]);
    expect(checkKAnonymity([a, a, a], 3)).toEqual({ ok: true, violations: [] });
  });

  it('does not confuse a county and a city with the same code, or a coarse band with no sex', () => {
    const county: PublishedTuple = { ageBand: '6-13', sex: null, regionCode: '441900', regionLevel: 'county', childClass: 6 };
    const city: PublishedTuple = { ...county, regionLevel: 'city' };
    expect(checkKAnonymity([county, city], 2).violations).toHaveLength(2);
  });

  it('counts each class apart, and a tuple without class apart from those with one', () => {
    const orphans: PublishedTuple = { ageBand: '6-13', sex: null, regionCode: '520300', regionLevel: 'city', childClass: 1 };
    const leftBehind: PublishedTuple = { ...orphans, childClass: 6 };
    const noClass: PublishedTuple = { ...orphans, childClass: null };
    const report = checkKAnonymity([orphans, leftBehind, leftBehind, noClass, noClass], 2);
    expect(report.violations).toEqual([{ tuple: orphans, count: 1 }]);
  });
});

describe('anonymizePopulation', () => {
  it.each([2, 5, 10])('keeps 2,000 children across 8 counties %i-anonymous and still publishes most of them', (k) => {
    const children = population(2000, 20240601);
    const decisions = anonymizePopulation(children, k);
    expect(decisions.size).toBe(2000);
    expect(checkKAnonymity(published(decisions), k)).toEqual({ ok: true, violations: [] });
    expect(children.every((c) => truthful(c, decisions.get(c.id)!))).toBe(true);
    const share = (pred: (d: PublicationDecision) => boolean, of = children) => of.filter((c) => pred(decisions.get(c.id)!)).length / of.length;
    expect(share((d) => !d.heldBack)).toBeGreaterThan(0.97);
    // Rare classes are not the ones held back: orphans are published too, if need be without class.
    expect(share((d) => !d.heldBack, children.filter((c) => c.childClass === 1))).toBeGreaterThan(0.9);
    // Almost every child keeps its class, which is given up last.
    expect(share((d) => !d.heldBack && d.childClass !== null)).toBeGreaterThan(k === 10 ? 0.93 : 0.97);
    // Most children keep the finest description, so donors still see who needs help. With four
    // fields (class splits each fine group six ways, unevenly) fewer stay at level 1 as k grows:
    // about 94%, 77% and 54% at k = 2, 5, 10.
    expect(share((d) => !d.heldBack && d.level === 1)).toBeGreaterThan({ 2: 0.9, 5: 0.7, 10: 0.5 }[k]!);
  });

  it('holds k on hundreds of small random populations, where most generalization happens', () => {
    const rand = prng(7);
    for (let run = 0; run < 300; run++) {
      const k = 2 + Math.floor(rand() * 9);
      const children = population(5 + Math.floor(rand() * 120), 1000 + run);
      const decisions = anonymizePopulation(children, k);
      const report = checkKAnonymity(published(decisions), k);
      if (!report.ok) throw new Error(`run ${run}, k=${k}: ${JSON.stringify(report.violations)}`);
      expect(children.every((c) => truthful(c, decisions.get(c.id)!))).toBe(true);
    }
  });

  it('uses every level of the ladder when a small county needs it', () => {
    const children = population(150, 42);
    const levels = new Set([...anonymizePopulation(children, 5).values()].flatMap((d) => (d.heldBack ? [] : [d.level])));
    expect(levels).toEqual(new Set([1, 2, 3, 4, 5]));
  });

  describe('when most of a coarse group is published finely', () => {
    // Ten left-behind boys of 6–8 and of 9–11 in one county, and two of 12–13.
    const boys = (n: number, age: number, from: number, childClass: ChildClass = 6): PublicationRecord[] =>
      Array.from({ length: n }, (_, i) => ({ id: `b${from + i}`, childAgeYears: age, sex: 'male', countyCode: '520324', childClass }));
    const children = [...boys(5, 7, 0), ...boys(5, 10, 5), ...boys(2, 12, 10)];

    it('does not show the coarse tuple for the two left over, which anyone could subtract', () => {
      // The naive rule: each child at the finest level whose group over the whole population has ≥ k.
      const naive = children.map((c) => {
        const level = ([1, 2, 3, 4, 5] as const).find(
          (l) => children.filter((o) => JSON.stringify(tupleAtLevel(o, l)) === JSON.stringify(tupleAtLevel(c, l))).length >= 5,
        )!;
        return tupleAtLevel(c, level);
      });
      expect(checkKAnonymity(naive, 5).ok).toBe(false);

      const decisions = anonymizePopulation(children, 5);
      expect(checkKAnonymity(published(decisions), 5).ok).toBe(true);
      expect(decisions.get('b10')).toEqual({ heldBack: true, reason: 'k_anonymity' });
      expect(decisions.get('b0')).toMatchObject({ heldBack: false, level: 1, ageBand: '6-8' });
    });

    it('moves children down from a group with more than k members to publish the short group, keeping its class', () => {
      const more = [...children, ...boys(3, 8, 20)];
      const decisions = anonymizePopulation(more, 5);
      const report = checkKAnonymity(published(decisions), 5);
      expect(report.ok).toBe(true);
      expect(decisions.get('b10')).toMatchObject({ heldBack: false, level: 4, ageBand: '6-13', sex: null, regionCode: '520300', childClass: 6 });
      const fineLeft = [...decisions.values()].filter((d) => !d.heldBack && d.ageBand === '6-8').length;
      expect(fineLeft).toBe(5);
    });

    it('drops the class of a short group of mixed classes, and takes donors of any class', () => {
      // The two 12–13 boys are an orphan and a left-behind child; the surplus is of class 4.
      const mixed = [...boys(5, 7, 0), ...boys(5, 10, 5), ...boys(1, 12, 10, 1), ...boys(1, 12, 11), ...boys(3, 8, 20, 4), ...boys(5, 8, 30, 4)];
      const decisions = anonymizePopulation(mixed, 5);
      expect(checkKAnonymity(published(decisions), 5).ok).toBe(true);
      expect(decisions.get('b10')).toMatchObject({ heldBack: false, level: 5, ageBand: '6-13', regionCode: '520300', childClass: null });
      expect(decisions.get('b11')).toMatchObject({ heldBack: false, level: 5, childClass: null });
      expect(mixed.every((c) => truthful(c, decisions.get(c.id)!))).toBe(true);
    });

    it('does not take donors of another class to keep a short group\'s class', () => {
      // Same as above but the surplus is of class 4 and the short boys of class 6: published without class.
      const other = [...children, ...boys(8, 8, 20, 4)];
      const decisions = anonymizePopulation(other, 5);
      expect(checkKAnonymity(published(decisions), 5).ok).toBe(true);
      expect(decisions.get('b10')).toMatchObject({ heldBack: false, level: 5, childClass: null });
    });
  });

  it('keeps rare orphans\' class at city level if they are k, else publishes them without it, else holds them back', () => {
    // Per county of 遵义: 6 left-behind girls of 9–11, and one orphan girl of 9–11 in each of 3 counties.
    const girls: PublicationRecord[] = [];
    for (const county of ['520321', '520322', '520323']) {
      for (let i = 0; i < 6; i++) girls.push({ id: `g${county}-${i}`, childAgeYears: 10, sex: 'female', countyCode: county, childClass: 6 });
      girls.push({ id: `o${county}`, childAgeYears: 10, sex: 'female', countyCode: county, childClass: 1 });
    }
    // k = 3: the three orphans together make a city-level group that keeps the class.
    const at3 = anonymizePopulation(girls, 3);
    expect(at3.get('o520321')).toMatchObject({ heldBack: false, level: 4, childClass: 1 });
    // k = 5: three orphans are too few even at city level; each county's 6 left-behind girls have
    // one to spare, which with the orphans makes a group of 5 without class at level 5.
    const at5 = anonymizePopulation(girls, 5);
    expect(checkKAnonymity(published(at5), 5).ok).toBe(true);
    expect(at5.get('o520321')).toMatchObject({ heldBack: false, level: 5, childClass: null });
    expect(at5.get('o520322')).toMatchObject({ heldBack: false, level: 5, childClass: null });
    // A lone orphan in another city has no group to join, with or without class.
    const lone: PublicationRecord = { id: 'lone', childAgeYears: 10, sex: 'female', countyCode: '520521', childClass: 1 };
    expect(anonymizePopulation([...girls, lone], 3).get('lone')).toEqual({ heldBack: true, reason: 'k_anonymity' });
  });

  it('holds back a child outside 0–17 instead of failing the whole publication', () => {
    const children = population(40, 3);
    children.push({ id: 'adult', childAgeYears: 18, sex: 'male', countyCode: '520321', childClass: 6 });
    expect(anonymizePopulation(children, 2).get('adult')).toEqual({ heldBack: true, reason: 'age_out_of_range' });
  });

  it('refuses a child listed twice, which would count one child as two', () => {
    const [a] = population(1, 1);
    expect(() => anonymizePopulation([a, { ...a }], 2)).toThrow(/appears twice/);
  });

  it('refuses a k that is not a positive integer and a malformed county code', () => {
    expect(() => anonymizePopulation([], 0)).toThrow(RangeError);
    expect(() => anonymizePopulation([{ id: 'x', childAgeYears: 5, sex: 'male', countyCode: '5203', childClass: 6 }], 1)).toThrow(/6 digits/);
  });
});

describe('chooseGeneralization', () => {
  it('decides a child exactly as the whole-population run does', () => {
    const children = population(300, 11);
    const all = anonymizePopulation(children, 5);
    for (const c of children.slice(0, 50)) expect(chooseGeneralization(c, children, 5)).toEqual(all.get(c.id));
  });

  it('adds a new candidate to the population before deciding', () => {
    const children = population(300, 11);
    const newcomer: PublicationRecord = { id: 'new', childAgeYears: 10, sex: 'female', countyCode: '520523', childClass: 1 };
    expect(chooseGeneralization(newcomer, children, 5)).toEqual(anonymizePopulation([...children, newcomer], 5).get('new'));
  });

  it('decides a child already in the population on the candidate\'s record, e.g. after a change of class', () => {
    const children = population(300, 11);
    const moved = children.findIndex((c) => c.childClass === 6);
    const changed: PublicationRecord = { ...children[moved], childClass: 2 };
    const updated = children.map((c, i) => (i === moved ? changed : c));
    const decision = chooseGeneralization(changed, children, 5);
    expect(decision).toEqual(anonymizePopulation(updated, 5).get(changed.id));
    expect(decision.heldBack || decision.childClass === null || decision.childClass === 2).toBe(true);
  });
});
