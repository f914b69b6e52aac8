import { canTransition, helpPeriod, isOverdue, needStatusAfterClose, nextFollowUp } from '../../../server/matching/lifecycle.rules';

describe('proposal lifecycle', () => {
  it('lets the project answer a proposal and the need\'s organization confirm an accepted one', () => {
    expect(canTransition('proposed', 'accepted')).toBe(true);
    expect(canTransition('proposed', 'declined')).toBe(true);
    expect(canTransition('accepted', 'confirmed')).toBe(true);
    expect(canTransition('accepted', 'withdrawn')).toBe(true);
  });

  it('never confirms an unanswered proposal, nor revives a decided one', () => {
    expect(canTransition('proposed', 'confirmed')).toBe(false);
    expect(canTransition('declined', 'accepted')).toBe(false);
    expect(canTransition('confirmed', 'withdrawn')).toBe(false);
    expect(canTransition('invalid', 'accepted')).toBe(false);
  });
});

describe('help records', () => {
  it('meets the need only on a met outcome', () => {
    expect(needStatusAfterClose('met')).toBe('met');
    expect(needStatusAfterClose('partly_met')).toBe('published');
    expect(needStatusAfterClose('not_met')).toBe('published');
  });

  it('runs from today (or the project\'s later start) to the earlier of the two ends', () => {
    expect(helpPeriod('2026-03-01', { startOn: '2026-01-01', endOn: '2026-12-31' }, { endOn: null })).toEqual({ startOn: '2026-03-01', endOn: '2026-12-31' });
    expect(helpPeriod('2026-03-01', { startOn: '2026-04-01', endOn: '2026-12-31' }, { endOn: '2026-06-30' })).toEqual({ startOn: '2026-04-01', endOn: '2026-06-30' });
    expect(helpPeriod('2026-03-01', { startOn: '2026-01-01', endOn: '2026-12-31' }, { endOn: '2026-02-01' })).toEqual({ startOn: '2026-03-01', endOn: '2026-03-01' });
  });

  it('follows up every 30 days until the help ends', () => {
    expect(nextFollowUp('2026-03-01', '2026-12-31')).toBe('2026-03-31');
    expect(nextFollowUp('2026-12-15', '2026-12-31')).toBeNull();
    expect(nextFollowUp('2026-12-15', null)).toBe('2027-01-14');
    expect(nextFollowUp('2026-03-01', null, 7)).toBe('2026-03-08');
  });

  it('flags a follow-up overdue only once its day has passed undone', () => {
    expect(isOverdue('2026-03-31', null, '2026-03-31')).toBe(false);
    expect(isOverdue('2026-03-31', null, '2026-04-01')).toBe(true);
    expect(isOverdue('2026-03-31', '2026-04-02', '2026-05-01')).toBe(false);
  });

  it('schedules across month and year ends', () => {
    expect(nextFollowUp('2026-12-15', '2027-06-30')).toBe('2027-01-14');
    expect(nextFollowUp('2026-02-01', null)).toBe('2026-03-03');
  });
});
