import { z } from 'zod';
import { parseYuan } from './money';
import { ValidationError, type FieldErrors } from './errors';
import type { Translate } from './i18n';

/** Zod issue → the message key that explains it to a person. */
function messageFor(issue: z.core.$ZodIssue, t: Translate): string {
  // Schemas name a message key as "@key" when the generic message would not say enough.
  if (issue.message?.startsWith('@')) return t(issue.message.slice(1));
  switch (issue.code) {
    case 'invalid_type':
      return issue.input === undefined || issue.input === '' ? t('validation.required') : t('validation.invalid');
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) === 1 ? t('validation.required') : t('validation.too_short', { min: Number(issue.minimum) });
      return t('validation.too_small', { min: Number(issue.minimum) });
    case 'too_big':
      if (issue.origin === 'string') return t('validation.too_long', { max: Number(issue.maximum) });
      return t('validation.too_big', { max: Number(issue.maximum) });
    case 'invalid_format':
      return issue.format === 'email' ? t('validation.email') : t('validation.format');
    case 'invalid_value':
      return t('validation.choice');
    default:
      return t('validation.invalid');
  }
}

/**
 * Validates input at the edge. On failure throws a ValidationError whose messages name the
 * field in the user's language; nothing downstream runs, so nothing is written.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, t: Translate): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const fields: FieldErrors = {};
  for (const issue of result.error.issues) {
    const name = issue.path.length ? String(issue.path[0]) : '_form';
    if (fields[name]) continue;
    fields[name] = name === '_form' ? messageFor(issue, t) : t('validation.field', { label: t(`fields.${name}`), message: messageFor(issue, t) });
  }
  throw new ValidationError(fields);
}

/** A ValidationError for one field whose problem a service rule found, e.g. a wrong current password. */
export function fieldError(t: Translate, field: string, messageKey: string, params?: Record<string, string | number>): ValidationError {
  return new ValidationError({ [field]: t('validation.field', { label: t(`fields.${field}`), message: t(messageKey, params) }) });
}

/** A money field typed in yuan ("1,234.5", "８８") parsed to integer fen; `messageKey` explains a bad amount. */
export function yuanInput(messageKey: string) {
  return z
    .string()
    .trim()
    .min(1)
    .transform((v, ctx) => {
      const fen = parseYuan(v);
      if (fen === null) {
        ctx.addIssue({ code: 'custom', message: `@${messageKey}` });
        return z.NEVER;
      }
      return fen;
    });
}

/** A form field that may come as one value or several (checkboxes), or not at all. */
export const many = <T extends z.ZodType>(item: T) => z.preprocess((v) => (v === undefined || v === '' ? [] : Array.isArray(v) ? v : [v]), z.array(item));

/** An optional id from a form: empty means none (null). */
export const optionalUuid = z.preprocess((v) => (v === '' || v === undefined || v === null ? null : v), z.uuid().nullable());

/** Optional free text from a form, trimmed and bounded; empty means none (null). */
export const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .optional()
    .transform((v) => (v ? v : null));
