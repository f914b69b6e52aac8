import { z } from 'zod';
import { ORG_ROLES } from '../lib/authorization';
import { parseCreditCode } from './organizations.rules';

export const applySchema = z.object({
  name: z.string().trim().min(2).max(100),
  kind: z.enum(['charity', 'enterprise', 'government']),
  creditCode: z
    .string()
    .trim()
    .min(1)
    .transform((raw, ctx) => {
      const parsed = parseCreditCode(raw);
      if (!parsed.ok) {
        ctx.addIssue({ code: 'custom', message: `@${parsed.key}` });
        return z.NEVER;
      }
      return parsed.value;
    }),
  regionCode: z
    .string()
    .trim()
    .regex(/^\d{6}$/, { message: '@organizations.region_code.format' })
    .optional()
    .or(z.literal('').transform(() => undefined)),
  description: z.string().trim().max(2000).optional().default(''),
});
export type ApplyInput = z.infer<typeof applySchema>;

const roles = z.preprocess((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]), z.array(z.enum(ORG_ROLES)).min(1, { message: '@organizations.roles.required' }));

export const inviteSchema = z.object({
  email: z.string().trim().min(1).max(254).pipe(z.email()),
  roles,
});
export type InviteInput = z.infer<typeof inviteSchema>;

export const reviewSchema = z.object({
  decision: z.enum(['verify', 'reject']),
  note: z.string().trim().max(500).optional().default(''),
});

export const memberRolesSchema = z.object({ roles });
