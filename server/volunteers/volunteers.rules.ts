/**
 * Pure rules of volunteers: what a volunteer can offer, and whether an organization's vetting
 * lets them work with children. No I/O; days are 'YYYY-MM-DD' in China's calendar and `today`
 * is always a parameter.
 */
import { ROLE_KINDS, type RoleKind } from '../projects/projects.rules';
import { addDays, addMonths } from '../lib/days';

/** Skills a volunteer offers, from the seeds' kinds of help. */
export const SKILLS = ['tutoring', 'psychological', 'companionship', 'medical', 'legal', 'arts', 'sport'] as const;
export type Skill = (typeof SKILLS)[number];

/** School subjects a tutor can teach. */
export const TUTORING_SUBJECTS = ['chinese', 'math', 'english', 'science', 'history', 'geography', 'music', 'art', 'pe', 'it'] as const;

export const DAY_PARTS = ['morning', 'afternoon', 'evening'] as const;
export type DayPart = (typeof DAY_PARTS)[number];
export const WEEK_DAYS = [1, 2, 3, 4, 5, 6, 7] as const;

/**
 * Words a project may write a required skill in (roles are typed by people: "小学数学", "心理咨询").
 * A required skill containing one of these words asks for that skill code.
 */
const SKILL_WORDS: Record<string, readonly string[]> = {
  tutoring: ['辅导', '家教', '课业', '作业'],
  psychological: ['心理', '疏导', '咨询', '心理辅导'],
  companionship: ['陪伴', '关爱', '爱心家长'],
  medical: ['医疗', '康复', '护理', '医生', '护士'],
  legal: ['法律', '律师'],
  arts: ['艺术', '绘画', '书法', '舞蹈', '手工'],
  sport: ['体育', '运动', '篮球', '足球'],
  chinese: ['语文', '阅读', '作文'],
  math: ['数学'],
  english: ['英语'],
  science: ['科学', '物理', '化学', '生物'],
  history: ['历史'],
  geography: ['地理'],
  music: ['音乐', '唱歌', '乐器'],
  art: ['美术'],
  pe: ['体育课'],
  it: ['信息技术', '电脑', '编程'],
};

/** The skill or subject code a required skill names (itself when it already is one), or null when it names none we know. */
export function skillCodeOf(required: string): string | null {
  const word = required.trim().toLowerCase();
  if ((SKILLS as readonly string[]).includes(word) || (TUTORING_SUBJECTS as readonly string[]).includes(word)) return word;
  // The longest word found decides ("心理辅导" is psychological, not tutoring); on a tie subjects win ("小学数学" is math).
  let best: { code: string; length: number } | null = null;
  for (const code of [...TUTORING_SUBJECTS, ...SKILLS]) {
    for (const w of SKILL_WORDS[code] ?? []) if (word.includes(w) && (!best || w.length > best.length)) best = { code, length: w.length };
  }
  return best?.code ?? null;
}

/** Weekly availability as form values "3-evening" (Wednesday evening). */
export const availabilityKey = (day: number, part: DayPart): string => `${day}-${part}`;

/** How far volunteers may say they will travel, in km (0: only their own county). */
export const TRAVEL_CHOICES = [0, 10, 30, 50, 100, 200] as const;

/** The skill each kind of volunteer role draws on: a role asks for it even when its list is empty. */
export const ROLE_SKILL: Record<RoleKind, Skill | null> = {
  tutor: 'tutoring',
  companion: 'companionship',
  counselor: 'psychological',
  medical: 'medical',
  trainer: null,
  other: null,
};
export { ROLE_KINDS, type RoleKind };

/** A background check (无犯罪记录证明) without a stated expiry is taken to be valid this long. */
export const BACKGROUND_CHECK_MONTHS = 12;
/** Checks expiring within this many days are shown as expiring soon, so the organization asks for a new one in time. */
export const EXPIRY_WARNING_DAYS = 30;

/** The day a background check stops being valid: its stated expiry, else BACKGROUND_CHECK_MONTHS after it. */
export const backgroundCheckExpiry = (checkedOn: string, expiresOn: string | null): string => expiresOn ?? addMonths(checkedOn, BACKGROUND_CHECK_MONTHS);

/** What an organization recorded about a volunteer. */
export interface VettingFacts {
  identityVerifiedOn: string | null;
  backgroundCheckOn: string | null;
  backgroundCheckExpiresOn: string | null;
  trainings: Array<{ course: string; completedOn: string }>;
  qualifiedRoles: string[];
}

/** One reason a volunteer may not (yet) be paired; `code` is a locale key under volunteers.vetting.problem. */
export type VettingProblem = 'identity_not_verified' | 'no_background_check' | 'background_check_expired' | 'no_training' | 'not_qualified_for_role';

export interface VettingState {
  /** True when the volunteer may be paired with children (for `role`, when one was asked about). */
  vetted: boolean;
  problems: VettingProblem[];
  /** The day the background check expires (stops counting), or null without a check. */
  expiresOn: string | null;
  expiringSoon: boolean;
}

/**
 * Whether a vetting lets a volunteer be paired with children: identity verified, a background
 * check that has not expired (a check expiring today still counts today), at least one training
 * course, and — when a role is given — a qualification for that role.
 */
export function vettingState(v: VettingFacts | null, today: string, role?: string): VettingState {
  const problems: VettingProblem[] = [];
  if (!v?.identityVerifiedOn) problems.push('identity_not_verified');
  const expiresOn = v?.backgroundCheckOn ? backgroundCheckExpiry(v.backgroundCheckOn, v.backgroundCheckExpiresOn) : null;
  if (!expiresOn) problems.push('no_background_check');
  else if (expiresOn < today) problems.push('background_check_expired');
  if (!v || v.trainings.length === 0) problems.push('no_training');
  if (role && !(v?.qualifiedRoles ?? []).includes(role)) problems.push('not_qualified_for_role');
  const expiringSoon = expiresOn !== null && expiresOn >= today && expiresOn <= addDays(today, EXPIRY_WARNING_DAYS);
  return { vetted: problems.length === 0, problems, expiresOn, expiringSoon };
}

/** One refused vetting field and the message key that says why. */
export interface VettingInputProblem {
  field: 'identityVerifiedOn' | 'backgroundCheckOn' | 'backgroundCheckExpiresOn' | 'trainings';
  code: string;
}

/**
 * What is wrong with the dates an organization enters: nothing may be dated in the future
 * except the check's expiry, which must come after the check itself.
 */
export function vettingInputProblems(v: VettingFacts, today: string): VettingInputProblem[] {
  const out: VettingInputProblem[] = [];
  if (v.identityVerifiedOn && v.identityVerifiedOn > today) out.push({ field: 'identityVerifiedOn', code: 'volunteers.date.future' });
  if (v.backgroundCheckOn && v.backgroundCheckOn > today) out.push({ field: 'backgroundCheckOn', code: 'volunteers.date.future' });
  if (v.backgroundCheckExpiresOn && !v.backgroundCheckOn) out.push({ field: 'backgroundCheckOn', code: 'volunteers.vetting.expiry_without_check' });
  if (v.backgroundCheckOn && v.backgroundCheckExpiresOn && v.backgroundCheckExpiresOn <= v.backgroundCheckOn) out.push({ field: 'backgroundCheckExpiresOn', code: 'volunteers.vetting.expiry_before_check' });
  if (v.trainings.some((c) => c.completedOn > today)) out.push({ field: 'trainings', code: 'volunteers.date.future' });
  return out;
}

/** Who in an organization works with its volunteers: sees them, vets, pairs, reviews hours and messages. */
export const VOLUNTEER_COORDINATORS = ['admin', 'staff', 'caseworker', 'supervisor'] as const;
/** Who approves a pairing and reviews check-ins: the caseworkers who know the child. */
export const PAIRING_APPROVERS = ['caseworker', 'supervisor'] as const;
/** Who reads safeguarding concerns: the organization's admins. */
export const CONCERN_READERS = ['admin'] as const;
