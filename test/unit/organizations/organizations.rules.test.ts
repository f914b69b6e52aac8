import { creditCodeCheckChar, parseCreditCode, rolesAllowedFor } from '../../../server/organizations/organizations.rules';

describe('parseCreditCode (GB 32100)', () => {
  it.each(['91350100M000100Y43', '91110000600037341L', '52100000500017588U'])('accepts the published code %s', (code) => {
    expect(parseCreditCode(code)).toEqual({ ok: true, value: code });
  });
  it('normalizes lower case and stray spaces', () => {
    expect(parseCreditCode(' 91350100m000100y43 ')).toEqual({ ok: true, value: '91350100M000100Y43' });
  });
  it('rejects a wrong check character', () => {
    expect(parseCreditCode('91350100M000100Y44')).toEqual({ ok: false, key: 'organizations.credit_code.check' });
  });
  it('rejects letters the standard excludes and wrong lengths', () => {
    expect(parseCreditCode('91350100M000100O43')).toEqual({ ok: false, key: 'organizations.credit_code.format' });
    expect(parseCreditCode('9135010')).toEqual({ ok: false, key: 'organizations.credit_code.format' });
  });
  it('computes a check character that parseCreditCode accepts', () => {
    const body = '52520324MJ1234567';
    expect(parseCreditCode(body + creditCodeCheckChar(body)).ok).toBe(true);
  });
});

describe('rolesAllowedFor', () => {
  it('keeps the finance role away from government offices and caseworkers away from enterprises', () => {
    expect(rolesAllowedFor('government')).not.toContain('finance');
    expect(rolesAllowedFor('enterprise')).not.toContain('caseworker');
    expect(rolesAllowedFor('charity')).toEqual(expect.arrayContaining(['admin', 'caseworker', 'finance', 'staff']));
  });
});
