/**
 * Pure rules of volunteer hours: what a believable hour log is, and certificate codes.
 * No I/O; `today` is a parameter.
 */

export const HOUR_LOG_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type HourLogStatus = (typeof HOUR_LOG_STATUSES)[number];
export const MINUTES_PER_DAY = 24 * 60;

/** An hour log as the rules see it; `startMinute` is minutes after midnight, when a time was given. */
export interface HourSpan {
  workedOn: string;
  startMinute: number | null;
  minutes: number;
}

/** One refused field, with the message key that says why and the values that fill it. */
export interface HourLogProblem {
  field: 'workedOn' | 'startTime' | 'minutes';
  code: string;
  params?: Record<string, string | number>;
}

/** "HH:MM" → minutes after midnight; null for anything else. */
export function parseClock(value: string): number | null {
  const m = /^([01]?\d|2[0-3])[:：]([0-5]\d)$/.exec(value.trim());
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** Minutes after midnight → "HH:MM". */
export const formatClock = (minute: number): string => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/**
 * Everything wrong with a new hour log, against the volunteer's other logs that still count
 * (pending or approved; a rejected log frees its time): no future day, no run past midnight
 * (log each day on its own), no overlap with another timed log that day, and no more than
 * 24 hours in one day over all logs, timed or not.
 */
export function hourLogProblems(log: HourSpan, others: readonly HourSpan[], today: string): HourLogProblem[] {
  const out: HourLogProblem[] = [];
  if (log.workedOn > today) out.push({ field: 'workedOn', code: 'volunteers.hours.future' });
  if (log.minutes < 1 || log.minutes > MINUTES_PER_DAY) out.push({ field: 'minutes', code: 'volunteers.hours.too_long' });
  else if (log.startMinute !== null && log.startMinute + log.minutes > MINUTES_PER_DAY) out.push({ field: 'minutes', code: 'volunteers.hours.past_midnight' });
  const sameDay = others.filter((o) => o.workedOn === log.workedOn);
  if (log.startMinute !== null) {
    const end = log.startMinute + log.minutes;
    const clash = sameDay.find((o) => o.startMinute !== null && o.startMinute < end && log.startMinute! < o.startMinute + o.minutes);
    if (clash) out.push({ field: 'startTime', code: 'volunteers.hours.overlap', params: { from: formatClock(clash.startMinute!), to: formatClock(clash.startMinute! + clash.minutes) } });
  }
  const dayTotal = sameDay.reduce((sum, o) => sum + o.minutes, 0);
  if (!out.some((p) => p.field === 'minutes') && dayTotal + log.minutes > MINUTES_PER_DAY) {
    out.push({ field: 'minutes', code: 'volunteers.hours.day_over_24h', params: { logged: formatHours(dayTotal) } });
  }
  return out;
}

/** Minutes as hours with at most one decimal ("2.5"), for totals and certificates. */
export const formatHours = (minutes: number): string => String(Math.round(minutes / 6) / 10);

const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

/** A certificate verification code such as "VC-7K3P-9M2X-QH": random, without look-alike characters. */
export function newCertificateCode(randomInt: (max: number) => number): string {
  let s = '';
  for (let i = 0; i < 10; i++) s += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `VC-${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}`;
}

/** A code as someone typed it (lower case, spaces, dashes anywhere, prefix or not) in the stored form, or null when it cannot be one. */
export function normalizeCertificateCode(raw: string): string | null {
  let s = raw.toUpperCase().replace(/[\s-]/g, '');
  if (s.length === 12 && s.startsWith('VC')) s = s.slice(2);
  if (!/^[2-9A-HJKMNP-Z]{10}$/.test(s)) return null;
  return `VC-${s.slice(0, 4)}-${s.slice(4, 8)}-${s.slice(8)}`;
}

/**
 * A volunteer's name as the public verification page shows it: enough to compare with the
 * certificate in hand (林小雨 → 林*雨, 王芳 → 王*), not enough to be a directory of volunteers.
 */
export function maskName(name: string): string {
  const chars = [...name.trim()];
  if (chars.length <= 1) return chars.join('');
  if (chars.length === 2) return `${chars[0]}*`;
  return `${chars[0]}${'*'.repeat(chars.length - 2)}${chars[chars.length - 1]}`;
}
