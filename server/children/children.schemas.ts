import { z } from 'zod';
import { isValidRegionCode } from '../lib/regions';
import { NEED_KINDS } from '../needs/needs.rules';
import { parseYuan } from '../lib/money';
import { optionalText } from '../lib/validate';

const dateString = z.string().trim().regex(/^\d{4}-\d{2}-\d{2}$/, { message: '@children.date.format' });
const optionalDate = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : null))
  .pipe(z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: '@children.date.format' }).nullable());

/** The caseworker's form for a child's record. The ID number is checked (GB 11643) in the service. */
export const childSchema = z.object({
  childName: z.string().trim().min(1).max(40),
  idNumber: z.string().trim().min(1).max(30),
  ethnicity: optionalText(20),
  guardianName: optionalText(40),
  guardianRelation: optionalText(20),
  guardianPhone: optionalText(30),
  residence: optionalText(200),
  villageCode: z
    .string()
    .trim()
    .regex(/^\d{12}$/, { message: '@children.village_code.format' })
    .refine((c) => isValidRegionCode(c), { message: '@children.village_code.unknown' }),
  school: optionalText(80),
  childClass: z.coerce.number().int().min(1).max(6),
  difficultyType: z.enum(['economic', 'guardianship', 'special']),
  riskLevel: z.coerce.number().int().min(1).max(4),
  notes: optionalText(2000),
});
export type ChildInput = z.infer<typeof childSchema>;

export const visitSchema = z.object({
  visitedOn: dateString,
  findings: z.string().trim().min(1).max(4000),
});

export const needSchema = z
  .object({
    needKind: z.enum(NEED_KINDS),
    needDescription: z.string().trim().min(5).max(1000),
    urgency: z.coerce.number().int().min(1).max(4),
    amount: z
      .string()
      .trim()
      .optional()
      .transform((v, ctx) => {
        if (!v) return null;
        const fen = parseYuan(v);
        if (fen === null) {
          ctx.addIssue({ code: 'custom', message: '@children.amount.format' });
          return z.NEVER;
        }
        return fen;
      }),
    quantity: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v ? Number(v) : null))
      .pipe(z.number().int().min(1).max(100000).nullable()),
    startOn: optionalDate,
    endOn: optionalDate,
  })
  .refine((n) => !n.startOn || !n.endOn || n.startOn <= n.endOn, { message: '@children.need.dates_order', path: ['endOn'] });
export type NeedInput = z.infer<typeof needSchema>;

export const reasonSchema = z.object({ reason: z.string().trim().min(2).max(200) });
export const exportSchema = z.object({ password: z.string().min(1).max(200), reason: z.string().trim().min(2).max(200) });
