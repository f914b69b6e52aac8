/**
 * Pure rules of what happens after the engine proposes: the proposal's statuses, the help
 * record's period, its follow-up schedule and what its outcome does to the need. No I/O; days
 * are 'YYYY-MM-DD' in China's calendar, `today` is always a parameter.
 */
import { addDays } from '../lib/days';

export const PROPOSAL_STATUSES = ['proposed', 'accepted', 'declined', 'confirmed', 'withdrawn', 'invalid'] as const;
export type ProposalStatus = (typeof PROPOSAL_STATUSES)[number];

/** Proposals that still hold a need (at most one per need) and, once accepted, a project place. */
export const LIVE_PROPOSAL_STATUSES: readonly ProposalStatus[] = ['proposed', 'accepted'];

const TRANSITIONS: Record<ProposalStatus, readonly ProposalStatus[]> = {
  // The project's organization answers; a later run may replace or invalidate an unanswered one.
  proposed: ['accepted', 'declined', 'withdrawn', 'invalid'],
  // The need's organization confirms or steps back; a need withdrawn meanwhile invalidates it.
  accepted: ['confirmed', 'withdrawn', 'invalid'],
  declined: [],
  confirmed: [],
  withdrawn: [],
  invalid: [],
};

/** Whether a proposal may move from one status to another (a declined or confirmed one is final). */
export const canTransition = (from: ProposalStatus, to: ProposalStatus): boolean => TRANSITIONS[from].includes(to);

export const HELP_OUTCOMES = ['met', 'partly_met', 'not_met'] as const;
export type HelpOutcome = (typeof HELP_OUTCOMES)[number];

/** A need is met only when its help closes as met; any other outcome puts it back for matching. */
export const needStatusAfterClose = (outcome: HelpOutcome): 'met' | 'published' => (outcome === 'met' ? 'met' : 'published');

/** Help is followed up every 30 days unless the project says otherwise. */
export const FOLLOW_UP_INTERVAL_DAYS = 30;

/**
 * When help confirmed today runs: from today (or the project's start, if later) to the earliest
 * of the project's end and the need's end. The need's own start does not delay it: the child
 * waited long enough.
 */
export function helpPeriod(today: string, project: { startOn: string; endOn: string }, need: { endOn: string | null }): { startOn: string; endOn: string } {
  const startOn = project.startOn > today ? project.startOn : today;
  const endOn = need.endOn && need.endOn < project.endOn ? need.endOn : project.endOn;
  return { startOn, endOn: endOn < startOn ? startOn : endOn };
}

/** The next follow-up after `from`, or null when it would fall after the help has ended (closing is the last one). */
export function nextFollowUp(from: string, endOn: string | null, interval = FOLLOW_UP_INTERVAL_DAYS): string | null {
  const due = addDays(from, interval);
  return endOn !== null && due > endOn ? null : due;
}

/** A follow-up is overdue once its day has passed without being recorded. */
export const isOverdue = (dueOn: string, doneOn: string | null, today: string): boolean => doneOn === null && dueOn < today;
