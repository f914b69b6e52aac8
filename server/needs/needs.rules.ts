/** Pure rules of needs: kinds, statuses and which transitions are allowed. */

/** Kinds of need named in the seeds (生活保障, 教育助学, 课业辅导 …). */
export const NEED_KINDS = ['living', 'education', 'tutoring', 'psychological', 'companionship', 'medical', 'skills', 'social', 'safety', 'legal'] as const;
export type NeedKind = (typeof NEED_KINDS)[number];

export const NEED_STATUSES = ['draft', 'awaiting_approval', 'published', 'matched', 'being_helped', 'met', 'withdrawn'] as const;
export type NeedStatus = (typeof NEED_STATUSES)[number];

/** Statuses in which a need is on the public board (subject to k-anonymity). */
export const PUBLIC_STATUSES: readonly NeedStatus[] = ['published', 'matched', 'being_helped'];

/** Statuses of a need still in play: written, waiting for a supervisor, or public. */
export const OPEN_STATUSES: readonly NeedStatus[] = ['draft', 'awaiting_approval', ...PUBLIC_STATUSES];

// A draft is published only through approval: submitted, then approved (or returned to draft).
const TRANSITIONS: Record<NeedStatus, readonly NeedStatus[]> = {
  draft: ['awaiting_approval', 'withdrawn'],
  awaiting_approval: ['published', 'draft'],
  published: ['matched', 'withdrawn', 'draft'],
  matched: ['being_helped', 'published', 'withdrawn'],
  being_helped: ['met', 'published', 'withdrawn'],
  met: [],
  withdrawn: ['draft'],
};

/** What a second person is asked to approve: a need's publication, or the withdrawal of a need being helped. */
export const REVIEW_KINDS = ['publication', 'withdrawal'] as const;
export type ReviewKind = (typeof REVIEW_KINDS)[number];

/** Who approves or returns those requests: the organization's child supervisors (儿童督导员). */
export const NEED_APPROVER_ROLES = ['supervisor'] as const;

/**
 * Being helped: a project has accepted it (matched), help is under way (being_helped), or a
 * volunteer's pairing covers it. Withdrawing such a need takes help away from a child, so it
 * needs a second person's approval; any other need is withdrawn in one step.
 */
export function isBeingHelped(status: NeedStatus, hasLivePairing: boolean): boolean {
  return status === 'matched' || status === 'being_helped' || hasLivePairing;
}

/**
 * Four-eyes: whoever asked for the review, or wrote the need, may not decide it — even when they
 * hold the supervisor role themselves.
 */
export function mayDecideReview(review: { requestedBy: string }, need: { createdBy: string | null }, deciderUserId: string): boolean {
  return review.requestedBy !== deciderUserId && need.createdBy !== deciderUserId;
}

/** Whether a need may move from one status to another (e.g. "met" only from "being helped"). */
export const canTransition = (from: NeedStatus, to: NeedStatus): boolean => TRANSITIONS[from].includes(to);

/** A public code such as "XQ-7K3P9M": random, from an alphabet without look-alikes, never derived from any identifier. */
export function newPublicCode(randomInt: (max: number) => number): string {
  const alphabet = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
  let code = '';
  for (let i = 0; i < 8; i++) code += alphabet[randomInt(alphabet.length)];
  return `${code.slice(0, 2)}-${code.slice(2)}`;
}

/** Whether `code` could be a public code at all: anything else names no need, and never reaches the database. */
export function isPublicCodeShape(code: string): boolean {
  return /^[2-9A-HJ-NP-Z]{2}-[2-9A-HJ-NP-Z]{6}$/i.test(code);
}

/** Caseworkers visit each child at least monthly; a child unvisited for longer is overdue. */
export const VISIT_INTERVAL_DAYS = 30;
export function visitOverdue(lastVisitOn: string | null, today: string): boolean {
  if (!lastVisitOn) return true;
  const days = (Date.parse(`${today}T00:00:00Z`) - Date.parse(`${lastVisitOn}T00:00:00Z`)) / 86_400_000;
  return days > VISIT_INTERVAL_DAYS;
}

/** Encryption context of a need's description: binds the token to its need, so it cannot be moved to another. */
export const needDescriptionContext = (needId: string): string => `needs.description:${needId}`;
