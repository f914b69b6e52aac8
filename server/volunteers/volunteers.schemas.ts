import { z } from 'zod';
import { countyOf } from '../lib/regions';
import { CHECK_IN_EVERY, CHECK_IN_MODES, CLOSING_REASONS, DEFAULT_TERM_MONTHS, GUARDIAN_CONTACT_MODES, PAIRING_ACTIONS, PAUSE_REASONS } from './pairings.rules';
import { CONSENT_METHODS, GUARDIAN_RELATIONS } from './consent.rules';
import { DAY_PARTS, ROLE_KINDS, SKILLS, TUTORING_SUBJECTS, WEEK_DAYS } from './volunteers.rules';
import { parseClock } from './hours.rules';

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const day = z.string().trim().regex(DAY_RE, { message: '@volunteers.date.format' });
const blankToNull = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? null : v);
const optionalDay = z.preprocess(blankToNull, day.nullable().optional()).transform((v) => v ?? null);
const optionalText = (max: number) => z.preprocess(blankToNull, z.string().trim().max(max).nullable().optional()).transform((v) => v ?? null);
const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, { message: '@validation.choice' });
// A checkbox group arrives as nothing, one string or several.
const checkboxes = <T extends z.ZodType>(item: T) => z.preprocess((v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(item));
const checkbox = z.preprocess((v) => v === 'on' || v === 'true' || v === true, z.boolean());

/** The volunteer's profile form. */
export const profileSchema = z
  .object({
    skills: checkboxes(z.enum(SKILLS)).refine((s) => s.length > 0, { message: '@volunteers.profile.skills_required' }),
    tutoringSubjects: checkboxes(z.enum(TUTORING_SUBJECTS)),
    languages: z
      .string()
      .trim()
      .max(200)
      .optional()
      .transform((v) => [...new Set((v ?? '').split(/[,，、;；\s]+/).map((s) => s.trim()).filter(Boolean))])
      .pipe(z.array(z.string().max(20)).max(8)),
    regionCode: z.preprocess(
      blankToNull,
      z
        .string()
        .trim()
        .regex(/^\d{6}$/, { message: '@volunteers.profile.county_format' })
        .refine((c) => countyOf(c)?.code === c, { message: '@volunteers.profile.county_unknown' })
        .nullable()
        .optional(),
    ),
    travelKm: z.coerce.number().int().min(0).max(2000),
    onlineOnly: checkbox,
    availability: checkboxes(z.string().regex(new RegExp(`^[${WEEK_DAYS.join('')}]-(${DAY_PARTS.join('|')})$`))),
    motivation: z.string().trim().min(10).max(1000),
  })
  .refine((p) => p.onlineOnly || Boolean(p.regionCode), { message: '@volunteers.profile.region_required', path: ['regionCode'] })
  .transform((p) => ({
    ...p,
    regionCode: p.regionCode ?? null,
    availability: p.availability.map((a) => ({ day: Number(a[0]), part: a.slice(2) as (typeof DAY_PARTS)[number] })),
  }));
export type ProfileInput = z.output<typeof profileSchema>;

/** Training courses typed one per line as "2026-03-01 儿童保护基础培训": the day completed, then the course. */
const trainingLines = z
  .string()
  .max(4000)
  .optional()
  .transform((v, ctx) => {
    const out: Array<{ course: string; completedOn: string }> = [];
    const lines = (v ?? '').split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
    lines.forEach((line) => {
      const m = /^(\d{4}-\d{2}-\d{2})\s+(.{2,80})$/.exec(line);
      if (!m) ctx.addIssue({ code: 'custom', message: '@volunteers.vetting.training_line' });
      else out.push({ completedOn: m[1], course: m[2].trim() });
    });
    return out;
  });

/** What an organization records about a volunteer. */
export const vettingSchema = z.object({
  identityVerifiedOn: optionalDay,
  backgroundCheckOn: optionalDay,
  backgroundCheckExpiresOn: optionalDay,
  trainings: trainingLines,
  qualifiedRoles: checkboxes(z.enum(ROLE_KINDS)),
  vettingNote: optionalText(500),
});
export type VettingInput = z.output<typeof vettingSchema>;

/** The organization asks for a pairing of a volunteer with needs of one child. */
export const pairingSchema = z.object({
  needIds: checkboxes(uuid).refine((ids) => ids.length > 0 && ids.length <= 10, { message: '@volunteers.pairing.needs_required' }),
  nickname: z.string().trim().min(1).max(20),
  roleKind: z.enum(ROLE_KINDS),
  termMonths: z.preprocess(blankToNull, z.coerce.number().int().min(1).max(36).nullable().optional()).transform((v) => v ?? DEFAULT_TERM_MONTHS),
  checkInEvery: z.preprocess(blankToNull, z.enum(CHECK_IN_EVERY).nullable().optional()).transform((v) => v ?? 'month'),
});
export type PairingInput = z.output<typeof pairingSchema>;

/** A caseworker declines a requested pairing, saying why. */
export const declineSchema = z.object({ closingNote: z.string().trim().min(2).max(1000) });

/** Pause, resume, renew or close, with a reason (pause, close) and a closing note (close). */
export const pairingChangeSchema = z
  .object({
    action: z.enum(PAIRING_ACTIONS),
    reason: optionalText(40),
    closingNote: optionalText(1000),
  })
  .superRefine((c, ctx) => {
    if (c.action === 'close' && !(CLOSING_REASONS as readonly string[]).includes(c.reason ?? '')) ctx.addIssue({ code: 'custom', path: ['reason'], message: '@validation.choice' });
    if (c.action === 'pause' && !(PAUSE_REASONS as readonly string[]).includes(c.reason ?? '')) ctx.addIssue({ code: 'custom', path: ['reason'], message: '@validation.choice' });
    if (c.action === 'close' && (c.closingNote ?? '').length < 2) ctx.addIssue({ code: 'custom', path: ['closingNote'], message: '@validation.required' });
  });
export type PairingChangeInput = z.output<typeof pairingChangeSchema>;

/** The volunteer records a check-in. */
export const checkInSchema = z.object({
  occurredOn: day,
  mode: z.enum(CHECK_IN_MODES),
  minutes: z.coerce.number().int().min(1).max(1440),
  notes: z.string().trim().min(2).max(4000),
  guardianPresent: checkbox,
  caseworkerPresent: checkbox,
});
export type CheckInInput = z.output<typeof checkInSchema>;

/** The caseworker's review of a check-in. */
export const reviewSchema = z.object({ reviewNote: optionalText(1000) });

/** The volunteer logs hours against one of their pairings or a named activity of an organization they joined. */
export const hourLogSchema = z
  .object({
    pairingId: z.preprocess(blankToNull, uuid.nullable().optional()).transform((v) => v ?? null),
    organizationId: z.preprocess(blankToNull, uuid.nullable().optional()).transform((v) => v ?? null),
    projectId: z.preprocess(blankToNull, uuid.nullable().optional()).transform((v) => v ?? null),
    activity: optionalText(100),
    workedOn: day,
    startTime: z
      .preprocess(blankToNull, z.string().nullable().optional())
      .transform((v, ctx) => {
        if (!v) return null;
        const minute = parseClock(v);
        if (minute === null) {
          ctx.addIssue({ code: 'custom', message: '@volunteers.hours.clock_format' });
          return z.NEVER;
        }
        return minute;
      }),
    hours: z
      .string()
      .trim()
      .regex(/^\d{1,2}(\.\d{1,2})?$/, { message: '@volunteers.hours.hours_format' })
      .transform((v) => Math.round(Number(v) * 60)),
    task: z.string().trim().min(2).max(500),
  })
  .superRefine((h, ctx) => {
    if (!h.pairingId && !h.activity) ctx.addIssue({ code: 'custom', path: ['activity'], message: '@volunteers.hours.target_required' });
    if (!h.pairingId && !h.organizationId) ctx.addIssue({ code: 'custom', path: ['organizationId'], message: '@volunteers.hours.target_required' });
  });
export type HourLogInput = z.output<typeof hourLogSchema>;

/** The organization approves or rejects an hour log; a rejection says why. */
export const hourDecisionSchema = z
  .object({ decision: z.enum(['approve', 'reject']), decisionNote: optionalText(500) })
  .refine((d) => d.decision === 'approve' || (d.decisionNote ?? '').length >= 2, { message: '@volunteers.hours.reject_needs_note', path: ['decisionNote'] });

export const organizationChoiceSchema = z.object({ organizationId: uuid });
export const messageSchema = z.object({ messageBody: z.string().trim().min(1).max(2000) });
export const concernSchema = z.object({ concern: z.string().trim().min(10).max(4000), pairingId: z.preprocess(blankToNull, uuid.nullable().optional()).transform((v) => v ?? null) });
export const applicationSchema = z.object({ applicationMessage: optionalText(500) });
export const applicationDecisionSchema = z.object({ decision: z.enum(['accept', 'decline']) });

/** A caseworker records a guardian's consent: who, their relation to the child, when, and how (the form file travels separately). */
export const consentSchema = z.object({
  guardianName: z.string().trim().min(1).max(40),
  guardianRelation: z.enum(GUARDIAN_RELATIONS),
  consentedOn: day,
  consentMethod: z.enum(CONSENT_METHODS),
});
export type ConsentInput = z.output<typeof consentSchema>;

/** A caseworker records that the guardian withdrew consent, when, and a note. */
export const withdrawalSchema = z.object({ withdrawnOn: day, withdrawalNote: z.string().trim().min(2).max(500) });
export type WithdrawalInput = z.output<typeof withdrawalSchema>;

/** The caseworker's own contact with the guardian. */
export const guardianContactSchema = z.object({ contactOn: day, contactMode: z.enum(GUARDIAN_CONTACT_MODES), contactNote: z.string().trim().min(2).max(500) });
export type GuardianContactInput = z.output<typeof guardianContactSchema>;
