/** Pure rules of organizations. No I/O here. */

// GB 32100-2015: 18 characters from this alphabet (no I, O, S, V, Z); the last is a check character.
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The GB 32100 check character for the first 17 characters of a 统一社会信用代码. */
export function creditCodeCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(first17[i]) * WEIGHTS[i];
  return ALPHABET[(31 - (sum % 31)) % 31];
}

/** Normalizes (trim, upper-case) and validates a 统一社会信用代码; returns the code or a message key. */
export function parseCreditCode(raw: string): { ok: true; value: string } | { ok: false; key: string } {
  const value = raw.replace(/[\s\u3000]/g, '').toUpperCase();
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(value)) return { ok: false, key: 'organizations.credit_code.format' };
  // Characters 3–8 are the registering authority's administrative division code: digits only.
  if (!/^\d{6}$/.test(value.slice(2, 8))) return { ok: false, key: 'organizations.credit_code.format' };
  if (creditCodeCheckChar(value.slice(0, 17)) !== value[17]) return { ok: false, key: 'organizations.credit_code.check' };
  return { ok: true, value };
}

/** Which roles each organization kind may hand out: only charities and enterprises handle money. */
export function rolesAllowedFor(kind: string): string[] {
  switch (kind) {
    case 'government':
      return ['admin', 'caseworker', 'supervisor', 'staff'];
    case 'charity':
      return ['admin', 'caseworker', 'supervisor', 'finance', 'staff'];
    case 'enterprise':
      return ['admin', 'finance', 'staff'];
    default:
      return ['admin', 'staff'];
  }
}

export const INVITATION_DAYS = 7;
