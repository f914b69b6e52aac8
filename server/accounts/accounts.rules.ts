/** Pure rules of accounts: passwords, lock-out and session lifetimes. No I/O here. */

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;

/** A password is acceptable when long enough and not the e-mail address itself; returns a message key or null. */
export function passwordProblem(password: string, email: string): string | null {
  if (password.length < PASSWORD_MIN) return 'accounts.password.too_short';
  if (password.length > PASSWORD_MAX) return 'accounts.password.too_long';
  if (password.trim().toLowerCase() === email.trim().toLowerCase()) return 'accounts.password.is_email';
  if (/^(.)\1+$/.test(password)) return 'accounts.password.repeated';
  return null;
}

export interface LockoutPolicy {
  windowMinutes: number;
  maxPerAccount: number;
  maxPerIp: number;
}
export const LOCKOUT: LockoutPolicy = { windowMinutes: 15, maxPerAccount: 5, maxPerIp: 20 };

/**
 * An account (or an IP) is locked once it has `max` failures inside the window; it unlocks
 * `windowMinutes` after the oldest of those failures. Returns seconds until unlock, or 0.
 */
export function lockedForSeconds(failureTimes: Date[], max: number, now: Date, policy: LockoutPolicy = LOCKOUT): number {
  const windowMs = policy.windowMinutes * 60_000;
  const recent = failureTimes.filter((t) => now.getTime() - t.getTime() < windowMs).sort((a, b) => b.getTime() - a.getTime());
  if (recent.length < max) return 0;
  const oldestCounted = recent[max - 1];
  return Math.max(1, Math.ceil((oldestCounted.getTime() + windowMs - now.getTime()) / 1000));
}

/** Session lifetimes per OWASP ASVS L2: staff idle out after 30 min, everyone after 12 h absolute. */
export const SESSION_ABSOLUTE_MS = 12 * 60 * 60_000;
export const STAFF_IDLE_MS = 30 * 60_000;
export const INDIVIDUAL_IDLE_MS = 12 * 60 * 60_000;

/** Whether a session must end now, given when it began and was last used. */
export function sessionExpired(s: { createdAt: number; lastSeenAt: number; staff: boolean }, now: number): boolean {
  if (now - s.createdAt > SESSION_ABSOLUTE_MS) return true;
  return now - s.lastSeenAt > (s.staff ? STAFF_IDLE_MS : INDIVIDUAL_IDLE_MS);
}

/** Normalizes an e-mail address for lookup: trimmed and lower-cased. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();
