/**
 * Chinese resident identity card number (公民身份号码), GB 11643-1999: 6-digit region code,
 * 8-digit birth date, 3-digit sequence (odd = male), and an ISO 7064 MOD 11-2 check character.
 * Pure: callers pass `today` so the "not in the future" rule is testable.
 */

export type IdNumberErrorCode = 'id_number.format' | 'id_number.checksum' | 'id_number.birth_date' | 'id_number.future';

export type ParsedIdNumber =
  | { ok: true; value: string; birthDate: string; sex: 'male' | 'female'; regionCode: string }
  | { ok: false; code: IdNumberErrorCode };

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK_CHARS = '10X98765432';
const SHAPE = /^[1-9]\d{16}[\dX]$/;
// Nobody born before 1900 holds a current card; earlier years are typing errors.
const MIN_YEAR = 1900;
// China has one time zone and no daylight saving, so "today" is the UTC+8 calendar date
// whatever the server's TZ.
const CHINA_OFFSET_MS = 8 * 60 * 60 * 1000;

/** Check character for the first 17 digits: ISO 7064 MOD 11-2. */
export function idNumberCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return CHECK_CHARS[sum % 11];
}

/** Calendar date of `today` in China, as YYYY-MM-DD. */
export function chinaDate(today: Date): string {
  return new Date(today.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 10);
}

function isRealDate(year: number, month: number, day: number): boolean {
  const d = new Date(Date.UTC(year, month - 1, day));
  return d.getUTCFullYear() === year && d.getUTCMonth() === month - 1 && d.getUTCDate() === day;
}

/**
 * Parses an 18-character ID number: full-width characters and any whitespace are tolerated,
 * `x` is upper-cased; the check character, a real birth date (1900 or later) and a birth date
 * not after today (China time) are required.
 */
export function parseIdNumber(raw: string, today: Date): ParsedIdNumber {
  // NFKC folds full-width digits, Ｘ and the ideographic space (U+3000) that roster cells carry.
  const value = raw.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
  if (!SHAPE.test(value)) return { ok: false, code: 'id_number.format' };
  if (idNumberCheckChar(value) !== value[17]) return { ok: false, code: 'id_number.checksum' };

  const year = Number(value.slice(6, 10));
  const month = Number(value.slice(10, 12));
  const day = Number(value.slice(12, 14));
  if (year < MIN_YEAR || !isRealDate(year, month, day)) return { ok: false, code: 'id_number.birth_date' };
  const birthDate = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
  if (birthDate > chinaDate(today)) return { ok: false, code: 'id_number.future' };

  return {
    ok: true,
    value,
    birthDate,
    sex: Number(value[16]) % 2 === 1 ? 'male' : 'female',
    regionCode: value.slice(0, 6),
  };
}

/** True when `raw` parses as a valid ID number as of `today`. */
export function isValidIdNumber(raw: string, today: Date): boolean {
  return parseIdNumber(raw, today).ok;
}

/**
 * Test and seed helper: builds a valid-checksum ID number from a 6-digit region code,
 * a YYYYMMDD birth date and a 3-digit sequence (odd = male). Throws on malformed parts but
 * leaves the date unchecked, so tests can build well-checksummed numbers with impossible dates.
 */
export function makeIdNumber(regionCode6: string, birthDateYYYYMMDD: string, seq3: string): string {
  if (!/^[1-9]\d{5}$/.test(regionCode6)) throw new Error(`makeIdNumber: region code must be 6 digits, got "${regionCode6}"`);
  if (!/^\d{8}$/.test(birthDateYYYYMMDD)) throw new Error(`makeIdNumber: birth date must be YYYYMMDD, got "${birthDateYYYYMMDD}"`);
  if (!/^\d{3}$/.test(seq3)) throw new Error(`makeIdNumber: sequence must be 3 digits, got "${seq3}"`);
  const first17 = regionCode6 + birthDateYYYYMMDD + seq3;
  return first17 + idNumberCheckChar(first17);
}
