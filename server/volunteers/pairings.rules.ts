/**
 * Pure rules of pairings (结对): statuses and what moves them, the term, and the check-in
 * schedule with its missed check-ins. No I/O; days are 'YYYY-MM-DD', `today` is a parameter.
 */
import { addDays, addMonths, daysBetween } from '../lib/days';

export const PAIRING_STATUSES = ['requested', 'active', 'paused', 'suspended', 'closed', 'declined'] as const;
export type PairingStatus = (typeof PAIRING_STATUSES)[number];

/** Pairings that still hold their needs: a need is in at most one of these at a time. */
export const LIVE_PAIRING_STATUSES: readonly PairingStatus[] = ['requested', 'active', 'paused', 'suspended'];
/** Pairings the volunteer sees: only once a caseworker has approved, and not after it ended. */
export const VOLUNTEER_VISIBLE_STATUSES: readonly PairingStatus[] = ['active', 'paused', 'suspended'];

/** What an organization does to a running pairing, and the status each leads to. */
export const PAIRING_ACTIONS = ['pause', 'resume', 'renew', 'close'] as const;
export type PairingAction = (typeof PAIRING_ACTIONS)[number];

/** Why a pairing was paused or closed; suspension has its own reason, set by the platform. */
export const CLOSING_REASONS = ['term_ended', 'need_met', 'child_moved', 'volunteer_withdrew', 'safeguarding', 'other'] as const;
export const PAUSE_REASONS = ['school_holiday', 'volunteer_unavailable', 'child_unavailable', 'safeguarding', 'other'] as const;
export const SUSPENDED_EXPIRED = 'background_check_expired';
/** Why a pairing was paused when the guardian withdrew consent; only a new consent lets it resume. */
export const PAUSED_CONSENT_WITHDRAWN = 'consent_withdrawn';

const FROM: Record<PairingAction, readonly PairingStatus[]> = {
  pause: ['active'],
  // A suspended pairing resumes only once the vetting is valid again (checked by the service).
  resume: ['paused', 'suspended'],
  renew: ['active', 'paused'],
  close: ['requested', 'active', 'paused', 'suspended'],
};
const TO: Record<PairingAction, PairingStatus> = { pause: 'paused', resume: 'active', renew: 'active', close: 'closed' };

/** Whether an action applies to a pairing in `status`. */
export const canApply = (action: PairingAction, status: PairingStatus): boolean => FROM[action].includes(status);
/** The status a pairing has after `action`. */
export const statusAfter = (action: PairingAction): PairingStatus => TO[action];

export const CHECK_IN_EVERY = ['week', 'fortnight', 'month', 'quarter'] as const;
export type CheckInEvery = (typeof CHECK_IN_EVERY)[number];
export const CHECK_IN_MODES = ['visit', 'video', 'phone', 'group'] as const;
export const DEFAULT_TERM_MONTHS = 12;

/** A check-in is missed this many days after it fell due: a weekend trip or a rainy week is not yet a lapse. */
export const CHECK_IN_GRACE_DAYS = 7;

/** The day a check-in falls due `every` after `from`. */
export function nextDue(from: string, every: CheckInEvery): string {
  switch (every) {
    case 'week':
      return addDays(from, 7);
    case 'fortnight':
      return addDays(from, 14);
    case 'month':
      return addMonths(from, 1);
    case 'quarter':
      return addMonths(from, 3);
  }
}

/** The term of a pairing approved on `startOn`. */
export const termEnd = (startOn: string, termMonths: number): string => addMonths(startOn, termMonths);

/** A renewed term runs from the current end (or today, if that has passed) for another term. */
export const renewedEnd = (endOn: string, today: string, termMonths: number): string => addMonths(endOn > today ? endOn : today, termMonths);

export interface CheckInSchedule {
  /** When the next check-in is due: one interval after the last check-in (or the start). */
  dueOn: string;
  /** True once the due day plus the grace period has passed without a check-in. */
  missed: boolean;
  /** How many whole intervals have gone by without a check-in (0 when not missed). */
  missedCount: number;
  daysOverdue: number;
}

/**
 * The check-in schedule of an active pairing: the next one is due an interval after the latest
 * check-in (or the start), so a late check-in moves the schedule on rather than leaving a debt.
 * Paused and suspended pairings have no schedule: nothing is due while nobody may meet.
 */
export function checkInSchedule(p: { startOn: string; every: CheckInEvery; lastCheckInOn: string | null }, today: string): CheckInSchedule {
  const from = p.lastCheckInOn && p.lastCheckInOn > p.startOn ? p.lastCheckInOn : p.startOn;
  const dueOn = nextDue(from, p.every);
  const daysOverdue = Math.max(0, daysBetween(dueOn, today));
  const missed = daysOverdue > CHECK_IN_GRACE_DAYS;
  let missedCount = 0;
  if (missed) for (let d = dueOn; d < today; d = nextDue(d, p.every)) missedCount++;
  return { dueOn, missed, missedCount, daysOverdue };
}

/** How the caseworker reaches the guardian between visits. */
export const GUARDIAN_CONTACT_MODES = ['visit', 'phone', 'video'] as const;
/** The caseworker speaks with the guardian once a month while the pairing runs (儿童主任 visit each child monthly). */
export const GUARDIAN_CONTACT_EVERY: CheckInEvery = 'month';

/**
 * The caseworker's own schedule of contact with the guardian in an active pairing: due a month
 * after the latest contact (or the start), missed after the same grace as a check-in.
 */
export const guardianContactSchedule = (p: { startOn: string; lastContactOn: string | null }, today: string): CheckInSchedule =>
  checkInSchedule({ startOn: p.startOn, every: GUARDIAN_CONTACT_EVERY, lastCheckInOn: p.lastContactOn }, today);

/** A pairing whose term has ended is due for renewal or closing (it is never closed behind the caseworker's back). */
export const termEnded = (endOn: string | null, today: string): boolean => endOn !== null && endOn < today;

/**
 * Whether a nickname gives away who the child is: it may be a given name or a pet name, never
 * the child's or a guardian's full name. `names` are the full names on the child's record.
 */
export function nicknameRevealsName(nickname: string, names: readonly string[]): boolean {
  const squash = (s: string) => s.replace(/[\s·•・.]/g, '').toLowerCase();
  const n = squash(nickname);
  return names.some((name) => {
    const full = squash(name);
    return full.length >= 2 && n.includes(full);
  });
}
