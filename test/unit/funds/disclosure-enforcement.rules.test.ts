import { disclosureHistory, disclosureNotice, figureChanges, giftLockout, projectDisclosureStatus } from '../../../server/funds/funds.rules';

const project = { startOn: '2026-02-01', endOn: '2027-01-31' };
// The first quarterly disclosure is due 1 May 2026, end of the day China time (2026-05-01T15:59:59.999Z).
const at = (iso: string) => new Date(iso);

describe('gift lock-out', () => {
  it('locks a project out only once its disclosure is overdue, and names what is owed', () => {
    expect(giftLockout(projectDisclosureStatus(project, [], at('2026-05-01T15:59:59.000Z')))).toBeNull();
    expect(giftLockout(projectDisclosureStatus(project, [], at('2026-05-01T16:00:00.000Z')))).toMatchObject({ kind: 'quarterly', overdue: true, daysOverdue: 1 });
  });
  it('is lifted by publishing the owed disclosure, even late', () => {
    const late = [{ kind: 'quarterly' as const, publishedAt: at('2026-05-10T02:00:00.000Z'), periodEnd: '2026-04-30' }];
    expect(giftLockout(projectDisclosureStatus(project, late, at('2026-05-10T03:00:00.000Z')))).toBeNull();
  });
  it('is not lifted by a correction or an annual report', () => {
    const other = [
      { kind: 'correction' as const, publishedAt: at('2026-05-10T02:00:00.000Z'), periodEnd: '2026-04-30' },
      { kind: 'annual' as const, publishedAt: at('2026-05-10T02:00:00.000Z'), periodEnd: '2025-12-31' },
    ];
    expect(giftLockout(projectDisclosureStatus(project, other, at('2026-05-10T03:00:00.000Z')))?.kind).toBe('quarterly');
  });
  it('locks a short project that ended without its full report three months later', () => {
    const short = { startOn: '2026-02-01', endOn: '2026-05-31' };
    expect(giftLockout(projectDisclosureStatus(short, [], at('2026-08-31T15:00:00.000Z')))).toBeNull();
    expect(giftLockout(projectDisclosureStatus(short, [], at('2026-09-01T01:00:00.000Z')))).toMatchObject({ kind: 'final', daysOverdue: 1 });
  });
  it('does not lock a project that owes nothing', () => {
    expect(giftLockout(null)).toBeNull();
  });
});

describe('advance notice of a disclosure', () => {
  const status = (today: Date) => projectDisclosureStatus(project, [], today);
  const notice = (iso: string) => disclosureNotice(status(at(iso)), at(iso));
  it('says nothing more than 30 days before the due day', () => {
    // 31 March (China) is 31 days before 1 May.
    expect(notice('2026-03-31T10:00:00.000Z')).toBeNull();
  });
  it('gives the 30-day notice from 30 days before, whatever the hour', () => {
    expect(notice('2026-03-31T16:00:00.000Z')).toBe('30'); // 1 April 00:00 China time
    expect(notice('2026-04-23T15:59:00.000Z')).toBe('30'); // 23 April, 8 days before
  });
  it('gives the 7-day notice from 7 days before to the due day itself', () => {
    expect(notice('2026-04-23T16:00:00.000Z')).toBe('7'); // 24 April China time
    expect(notice('2026-05-01T15:00:00.000Z')).toBe('7');
  });
  it('says overdue from the day after the due day', () => {
    expect(notice('2026-05-01T16:00:00.000Z')).toBe('overdue');
  });
  it('says nothing when nothing is owed', () => {
    expect(disclosureNotice(null, at('2026-05-01T00:00:00.000Z'))).toBeNull();
  });
});

describe('what a correction changed', () => {
  it('lists each changed figure, old and new, in report order whatever the stored order, nested ones by dotted name, ignoring the chain head', () => {
    const before = { giftCount: 3, spentByCategory: { goods: 40_000, medical: 0 }, spentFen: 40_000, donationsFen: 100_000, chainHead: { sequence: 5, hash: 'a' } };
    const after = { donationsFen: 100_000, spentFen: 45_000, spentByCategory: { goods: 40_000, medical: 5_000 }, giftCount: 3, chainHead: { sequence: 9, hash: 'b' } };
    expect(figureChanges(before, after)).toEqual([
      { figure: 'spentFen', unit: 'fen', before: 40_000, after: 45_000 },
      { figure: 'spentByCategory.medical', unit: 'fen', before: 0, after: 5_000 },
    ]);
  });
  it('shows a figure new to the correction with no old value', () => {
    expect(figureChanges({ spentFen: 1 }, { spentFen: 1, beneficiaries: 4 })).toEqual([{ figure: 'beneficiaries', unit: 'count', before: null, after: 4 }]);
  });
  it('is empty when nothing changed', () => {
    expect(figureChanges({ spentFen: 1, chainHead: { sequence: 1 } }, { spentFen: 1, chainHead: { sequence: 2 } })).toEqual([]);
  });
});

describe('disclosure history', () => {
  const d = (id: string, day: string, figures: Record<string, unknown>, corrects: string | null = null) => ({ id, publishedAt: new Date(`${day}T02:00:00Z`), corrects, figures });
  it('marks a corrected disclosure superseded by its latest correction, and gives each correction its changes', () => {
    const original = d('q1', '2026-04-01', { donationsFen: 100, adminShareBp: 500 });
    const first = d('c1', '2026-04-05', { donationsFen: 120, adminShareBp: 500 }, 'q1');
    const second = d('c2', '2026-04-09', { donationsFen: 120, adminShareBp: 417 }, 'q1');
    const history = disclosureHistory([second, first, original]);
    expect(history.map((h) => [h.id, h.supersededBy])).toEqual([['c2', null], ['c1', null], ['q1', 'c2']]);
    expect(history[0].changes).toEqual([{ figure: 'donationsFen', unit: 'fen', before: 100, after: 120 }, { figure: 'adminShareBp', unit: 'bp', before: 500, after: 417 }]);
    expect(history[2].changes).toEqual([]);
  });
});
