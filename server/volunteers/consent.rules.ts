/**
 * Pure rules of a guardian's consent (监护人同意) to contact with their child. No I/O; days are
 * 'YYYY-MM-DD' in China's calendar and `today` is a parameter.
 *
 * Nobody meets a child without the guardian's word: a pairing is approved, resumed or renewed,
 * and help whose kind involves contact is started, only while a consent for exactly that purpose
 * is in force. A consent is in force from the day it was given until it is withdrawn.
 */

/** What a consent covers: one pairing, or help for one need (whichever project gives it). */
export const CONSENT_PURPOSES = ['pairing', 'help'] as const;
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];

/** How it was given: a signed form uploaded, or spoken in front of the caseworker who records it (the witness). */
export const CONSENT_METHODS = ['form', 'verbal'] as const;
export type ConsentMethod = (typeof CONSENT_METHODS)[number];

/** Who consents: the person actually looking after the child (实际监护人), by relation. */
export const GUARDIAN_RELATIONS = ['father', 'mother', 'grandfather', 'grandmother', 'other_relative', 'entrusted_guardian', 'institution'] as const;
export type GuardianRelation = (typeof GUARDIAN_RELATIONS)[number];

/**
 * Kinds of need whose help brings someone into contact with the child — meeting, talking, by
 * video or phone: tutoring, psychological support, companionship, medical care and
 * rehabilitation, skills training, social integration, safety education and legal aid (a
 * lawyer hears the child). Living support and school aid are money and goods to the family, so
 * they need no consent of this kind.
 */
export const CONTACT_NEED_KINDS: readonly string[] = ['tutoring', 'psychological', 'companionship', 'medical', 'skills', 'social', 'safety', 'legal'];

/** Whether help of this kind of need involves contact with the child (and so the guardian's consent). */
export const involvesContact = (kind: string): boolean => CONTACT_NEED_KINDS.includes(kind);

export interface ConsentFacts {
  consentedOn: string;
  withdrawnOn: string | null;
}

/** A consent is in force from the day given (not a day in the future) until withdrawn. */
export const consentInForce = (c: ConsentFacts, today: string): boolean => c.withdrawnOn === null && c.consentedOn <= today;

/** One refused consent field and the message key that says why. */
export interface ConsentProblem {
  field: 'consentedOn' | 'consentForm' | 'withdrawnOn';
  code: string;
}

/** What is wrong with a consent being recorded: dated in the future, or a signed form said but none uploaded. */
export function consentProblems(c: { consentedOn: string; method: ConsentMethod; hasForm: boolean }, today: string): ConsentProblem[] {
  const out: ConsentProblem[] = [];
  if (c.consentedOn > today) out.push({ field: 'consentedOn', code: 'volunteers.date.future' });
  if (c.method === 'form' && !c.hasForm) out.push({ field: 'consentForm', code: 'volunteers.consent.form_required' });
  return out;
}

/** What is wrong with a withdrawal: already withdrawn, dated in the future or before the consent was given. */
export function withdrawalProblems(c: ConsentFacts, withdrawnOn: string, today: string): ConsentProblem[] {
  if (c.withdrawnOn !== null) return [{ field: 'withdrawnOn', code: 'volunteers.consent.already_withdrawn' }];
  if (withdrawnOn > today) return [{ field: 'withdrawnOn', code: 'volunteers.date.future' }];
  if (withdrawnOn < c.consentedOn) return [{ field: 'withdrawnOn', code: 'volunteers.consent.withdrawn_before_given' }];
  return [];
}
