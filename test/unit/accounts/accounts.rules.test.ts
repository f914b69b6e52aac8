import { LOCKOUT, lockedForSeconds, passwordProblem, sessionExpired, STAFF_IDLE_MS } from '../../../server/accounts/accounts.rules';

describe('passwordProblem', () => {
  it('accepts a long passphrase', () => {
    expect(passwordProblem('山里的孩子 also learn maths', 'a@b.cn')).toBeNull();
  });
  it('names what is wrong', () => {
    expect(passwordProblem('short', 'a@b.cn')).toBe('accounts.password.too_short');
    expect(passwordProblem('someone@example.cn', 'Someone@Example.cn')).toBe('accounts.password.is_email');
    expect(passwordProblem('aaaaaaaaaaaa', 'a@b.cn')).toBe('accounts.password.repeated');
  });
});

describe('lockedForSeconds', () => {
  const now = new Date('2026-11-24T10:00:00Z');
  const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);

  it('does not lock below the limit', () => {
    expect(lockedForSeconds([1, 2, 3, 4].map(minutesAgo), LOCKOUT.maxPerAccount, now)).toBe(0);
  });
  it('locks at the limit until the window has passed since the oldest counted failure', () => {
    const wait = lockedForSeconds([1, 2, 3, 4, 5].map(minutesAgo), LOCKOUT.maxPerAccount, now);
    expect(wait).toBe(10 * 60);
  });
  it('forgets failures older than the window', () => {
    expect(lockedForSeconds([1, 2, 3, 4, 16].map(minutesAgo), LOCKOUT.maxPerAccount, now)).toBe(0);
  });
});

describe('sessionExpired', () => {
  const t0 = Date.UTC(2026, 10, 24, 8);
  it('ends idle staff sessions after 30 minutes but not individuals’', () => {
    const s = { createdAt: t0, lastSeenAt: t0 };
    expect(sessionExpired({ ...s, staff: true }, t0 + STAFF_IDLE_MS + 1)).toBe(true);
    expect(sessionExpired({ ...s, staff: false }, t0 + STAFF_IDLE_MS + 1)).toBe(false);
  });
  it('ends every session 12 hours after log-in however active', () => {
    expect(sessionExpired({ createdAt: t0, lastSeenAt: t0 + 12 * 3_600_000, staff: false }, t0 + 12 * 3_600_000 + 1)).toBe(true);
  });
});
