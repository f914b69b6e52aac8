import { z } from 'zod';
import { NEED_KINDS } from '../needs/needs.rules';
import { canonicalRegionCode, isValidRegionCode } from '../lib/regions';
import { many, yuanInput } from '../lib/validate';
import { ROLE_KINDS } from './projects.rules';

const day = z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/, { message: '@projects.date.format' });
const optionalYuan = z
  .preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), yuanInput('projects.amount.format').optional())
  .transform((v) => v ?? null);

/** Region codes typed as a list ("520324 520325", "520300，520400"), each an existing division of any level. */
const regionCodes = z
  .string()
  .trim()
  .min(1)
  .transform((raw, ctx) => {
    const codes: string[] = [];
    for (const part of raw.split(/[\s,，、;；]+/).filter(Boolean)) {
      const code = canonicalRegionCode(part);
      if (!code || !isValidRegionCode(code)) {
        ctx.addIssue({ code: 'custom', message: '@projects.region.unknown' });
        return z.NEVER;
      }
      if (!codes.includes(code)) codes.push(code);
    }
    if (codes.length === 0 || codes.length > 50) {
      ctx.addIssue({ code: 'custom', message: '@projects.region.count' });
      return z.NEVER;
    }
    return codes;
  });

/** The organization's form for a project. Rules that compare fields (dates, ages, area) are in projects.rules. */
export const projectSchema = z.object({
  title: z.string().trim().min(4).max(80),
  description: z.string().trim().min(10).max(4000),
  needKinds: many(z.enum(NEED_KINDS)).pipe(z.array(z.enum(NEED_KINDS)).min(1, { message: '@projects.kinds.required' })),
  regionCodes,
  eligibleClasses: many(z.coerce.number().int().min(1).max(6)),
  minAge: z.coerce.number().int().min(0).max(17),
  maxAge: z.coerce.number().int().min(0).max(17),
  capacity: z.coerce.number().int().min(1).max(100_000),
  budgetPerChildFen: optionalYuan,
  fundingGoalFen: optionalYuan,
  startOn: day,
  endOn: day,
});
export type ProjectInput = z.infer<typeof projectSchema>;

export const roleSchema = z.object({
  roleTitle: z.string().trim().min(2).max(60),
  roleKind: z.enum(ROLE_KINDS),
  cadence: z.string().trim().max(60).optional().default(''),
  requiredSkills: z
    .string()
    .trim()
    .max(300)
    .optional()
    .default('')
    .transform((v) => [...new Set(v.split(/[,，、;；\n]+/).map((s) => s.trim()).filter(Boolean))].slice(0, 20)),
  slots: z.coerce.number().int().min(1).max(10_000),
});
export type RoleInput = z.infer<typeof roleSchema>;

/** A reviewer's decision; a rejection must say why, so the organization can fix it. */
export const projectReviewSchema = z
  .object({
    decision: z.enum(['approve', 'reject']),
    note: z.string().trim().max(500).optional().default(''),
  })
  .refine((r) => r.decision === 'approve' || r.note.length >= 2, { message: '@projects.review.note_required', path: ['note'] });

// Filters come from links and the search form; anything unrecognized is ignored, never an error page.
export const projectFiltersSchema = z.object({
  kind: z.enum(NEED_KINDS).optional().catch(undefined),
  region: z
    .string()
    .regex(/^\d{6}(\d{3})?(\d{3})?$/)
    .optional()
    .catch(undefined),
  q: z
    .string()
    .trim()
    .max(50)
    .optional()
    .catch(undefined)
    .transform((v) => (v ? v : undefined)),
});
export type ProjectFilters = z.infer<typeof projectFiltersSchema>;
