import { formatHours, hourLogProblems, maskName, newCertificateCode, normalizeCertificateCode, parseClock } from '../../../server/volunteers/hours.rules';

const today = '2026-06-10';
const log = (workedOn: string, start: string | null, minutes: number) => ({ workedOn, startMinute: start === null ? null : parseClock(start), minutes });

describe('hourLogProblems', () => {
  it('accepts a plain log', () => {
    expect(hourLogProblems(log('2026-06-10', '14:00', 120), [], today)).toEqual([]);
    expect(hourLogProblems(log('2026-06-09', null, 90), [log('2026-06-09', '09:00', 60)], today)).toEqual([]);
  });

  it('refuses a future day', () => {
    expect(hourLogProblems(log('2026-06-11', null, 60), [], today)).toEqual([{ field: 'workedOn', code: 'volunteers.hours.future' }]);
  });

  it('refuses a timed log that overlaps another that day, naming its times; touching ones are fine', () => {
    const others = [log('2026-06-09', '09:00', 120)];
    expect(hourLogProblems(log('2026-06-09', '10:30', 60), others, today)).toEqual([{ field: 'startTime', code: 'volunteers.hours.overlap', params: { from: '09:00', to: '11:00' } }]);
    expect(hourLogProblems(log('2026-06-09', '08:00', 240), others, today)).toHaveLength(1);
    expect(hourLogProblems(log('2026-06-09', '11:00', 60), others, today)).toEqual([]);
    expect(hourLogProblems(log('2026-06-08', '10:00', 60), others, today)).toEqual([]);
  });

  it('refuses more than 24 hours in one day over all logs, timed or not, and a log past midnight', () => {
    const others = [log('2026-06-09', null, 600), log('2026-06-09', '00:00', 480)];
    expect(hourLogProblems(log('2026-06-09', null, 361), others, today)).toEqual([{ field: 'minutes', code: 'volunteers.hours.day_over_24h', params: { logged: '18' } }]);
    expect(hourLogProblems(log('2026-06-09', null, 360), others, today)).toEqual([]);
    expect(hourLogProblems(log('2026-06-09', null, 1500), [], today)).toEqual([{ field: 'minutes', code: 'volunteers.hours.too_long' }]);
    expect(hourLogProblems(log('2026-06-09', '23:00', 120), [], today)).toEqual([{ field: 'minutes', code: 'volunteers.hours.past_midnight' }]);
  });
});

describe('clock and hours', () => {
  it('reads HH:MM (also with a full-width colon) and formats hours to one decimal', () => {
    expect(parseClock('9:05')).toBe(545);
    expect(parseClock('14：30')).toBe(870);
    expect(parseClock('24:00')).toBeNull();
    expect(parseClock('noon')).toBeNull();
    expect(formatHours(90)).toBe('1.5');
    expect(formatHours(100)).toBe('1.7');
    expect(formatHours(120)).toBe('2');
  });
});

describe('certificate codes', () => {
  it('makes random codes without look-alike characters and reads them back however typed', () => {
    let i = 0;
    const code = newCertificateCode(() => i++ % 31);
    expect(code).toBe('VC-2345-6789-AB');
    expect(normalizeCertificateCode(' vc 2345 6789 ab ')).toBe(code);
    expect(normalizeCertificateCode('23456789AB')).toBe(code);
    expect(normalizeCertificateCode('VC-2345-6789-A0')).toBeNull();
    expect(normalizeCertificateCode('<script>')).toBeNull();
  });

  it('masks the volunteer name on the public page', () => {
    expect(maskName('林小雨')).toBe('林*雨');
    expect(maskName('王芳')).toBe('王*');
    expect(maskName('欧阳娜娜')).toBe('欧**娜');
  });
});
