import { canApply, checkInSchedule, CHECK_IN_GRACE_DAYS, guardianContactSchedule, nextDue, nicknameRevealsName, renewedEnd, statusAfter, termEnd, termEnded } from '../../../server/volunteers/pairings.rules';

describe('pairing statuses', () => {
  it('pauses only an active pairing, resumes a paused or suspended one, never touches a closed one', () => {
    expect(canApply('pause', 'active')).toBe(true);
    expect(canApply('pause', 'requested')).toBe(false);
    expect(canApply('resume', 'paused')).toBe(true);
    expect(canApply('resume', 'suspended')).toBe(true);
    expect(canApply('renew', 'suspended')).toBe(false);
    expect(canApply('close', 'closed')).toBe(false);
    expect(canApply('resume', 'declined')).toBe(false);
    expect(statusAfter('renew')).toBe('active');
    expect(statusAfter('close')).toBe('closed');
  });
});

describe('term', () => {
  it('runs 12 months by default and renews from the end, or from today once the end has passed', () => {
    expect(termEnd('2026-01-31', 12)).toBe('2027-01-31');
    expect(termEnd('2026-01-31', 1)).toBe('2026-02-28');
    expect(renewedEnd('2027-01-31', '2026-12-01', 12)).toBe('2028-01-31');
    expect(renewedEnd('2027-01-31', '2027-03-10', 12)).toBe('2028-03-10');
    expect(termEnded('2027-01-31', '2027-01-31')).toBe(false);
    expect(termEnded('2027-01-31', '2027-02-01')).toBe(true);
  });
});

describe('check-in schedule', () => {
  it('falls due one interval after the start, then after each check-in', () => {
    expect(nextDue('2026-01-31', 'month')).toBe('2026-02-28');
    expect(nextDue('2026-03-01', 'week')).toBe('2026-03-08');
    expect(nextDue('2026-03-01', 'fortnight')).toBe('2026-03-15');
    expect(nextDue('2026-03-01', 'quarter')).toBe('2026-06-01');
    expect(checkInSchedule({ startOn: '2026-03-01', every: 'month', lastCheckInOn: null }, '2026-03-20')).toEqual({ dueOn: '2026-04-01', missed: false, missedCount: 0, daysOverdue: 0 });
    expect(checkInSchedule({ startOn: '2026-03-01', every: 'month', lastCheckInOn: '2026-03-25' }, '2026-04-10').dueOn).toBe('2026-04-25');
  });

  it(`flags a check-in as missed only after ${CHECK_IN_GRACE_DAYS} days of grace, and counts the intervals missed`, () => {
    const p = { startOn: '2026-03-01', every: 'month' as const, lastCheckInOn: null };
    expect(checkInSchedule(p, '2026-04-08')).toMatchObject({ missed: false, daysOverdue: 7 });
    expect(checkInSchedule(p, '2026-04-09')).toMatchObject({ missed: true, missedCount: 1, daysOverdue: 8 });
    expect(checkInSchedule(p, '2026-06-15')).toMatchObject({ missed: true, missedCount: 3 });
  });

  it('ignores a check-in dated before the start', () => {
    expect(checkInSchedule({ startOn: '2026-03-01', every: 'week', lastCheckInOn: '2026-02-20' }, '2026-03-02').dueOn).toBe('2026-03-08');
  });
});

describe('nicknames', () => {
  it('allows a given name or pet name, never the full name of the child or a guardian', () => {
    const names = ['冉小花', '冉桂兰'];
    expect(nicknameRevealsName('小花', names)).toBe(false);
    expect(nicknameRevealsName('花花', names)).toBe(false);
    expect(nicknameRevealsName('冉小花', names)).toBe(true);
    expect(nicknameRevealsName('小冉', ['冉小花'])).toBe(false);
    expect(nicknameRevealsName('小冉 小花', ['冉小花'])).toBe(true);
    expect(nicknameRevealsName('冉 小花同学', names)).toBe(true);
    expect(nicknameRevealsName('阿依古丽', ['阿依古丽·买买提'])).toBe(false);
    expect(nicknameRevealsName('阿依古丽·买买提', ['阿依古丽·买买提'])).toBe(true);
  });
});

describe('the caseworker’s contact with the guardian', () => {
  it('is due a month after the start, then a month after the latest contact', () => {
    expect(guardianContactSchedule({ startOn: '2026-06-01', lastContactOn: null }, '2026-06-15')).toMatchObject({ dueOn: '2026-07-01', missed: false });
    expect(guardianContactSchedule({ startOn: '2026-06-01', lastContactOn: '2026-07-09' }, '2026-07-09')).toMatchObject({ dueOn: '2026-08-09', missed: false, daysOverdue: 0 });
  });

  it('is missed once the check-in grace has passed without a contact', () => {
    expect(guardianContactSchedule({ startOn: '2026-06-01', lastContactOn: null }, '2026-07-08')).toMatchObject({ missed: false, daysOverdue: CHECK_IN_GRACE_DAYS });
    expect(guardianContactSchedule({ startOn: '2026-06-01', lastContactOn: null }, '2026-07-09')).toMatchObject({ dueOn: '2026-07-01', missed: true, missedCount: 1, daysOverdue: 8 });
    expect(guardianContactSchedule({ startOn: '2026-06-01', lastContactOn: null }, '2026-09-15')).toMatchObject({ missed: true, missedCount: 3 });
  });
});
