import fs from 'node:fs';
import path from 'node:path';
import { loadDictionaries, negotiateLocale, translator } from '../../../server/lib/i18n';

const ROOT = path.join(__dirname, '../../..');
const walk = (dir: string, ext: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name), ext) : e.name.endsWith(ext) ? [path.join(dir, e.name)] : []));

describe('locales', () => {
  const dicts = loadDictionaries();

  it('has every key in both Chinese and English', () => {
    const zh = Object.keys(dicts['zh-CN']).sort();
    const en = Object.keys(dicts.en).sort();
    expect(zh.filter((k) => !en.includes(k))).toEqual([]);
    expect(en.filter((k) => !zh.includes(k))).toEqual([]);
  });

  it('defines every key that a template asks for', () => {
    const used = new Set<string>();
    for (const file of walk(path.join(ROOT, 'views'), '.hbs')) {
      for (const m of fs.readFileSync(file, 'utf8').matchAll(/\(?t "([\w.]+)"/g)) used.add(m[1]);
    }
    expect([...used].filter((k) => !(k in dicts['zh-CN']))).toEqual([]);
  });

  it('defines every literal key the server code translates', () => {
    const used = new Set<string>();
    for (const file of walk(path.join(ROOT, 'server'), '.ts')) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\('([a-z_]+\.[\w.]+)'/g)) used.add(m[1]);
      for (const m of text.matchAll(/Error\('([a-z_]+\.[\w.]+)'/g)) used.add(m[1]);
      for (const m of text.matchAll(/'@([a-z_]+\.[\w.]+)'/g)) used.add(m[1]);
      for (const m of text.matchAll(/flash\(req, '\w+', '([\w.]+)'/g)) used.add(m[1]);
    }
    expect(used.size).toBeGreaterThan(20);
    expect([...used].filter((k) => !(k in dicts['zh-CN']))).toEqual([]);
  });

  it('has no hard-coded Chinese in templates: all UI text comes from locale files', () => {
    const offenders = walk(path.join(ROOT, 'views'), '.hbs').filter((file) => /[\u4e00-\u9fff]/.test(fs.readFileSync(file, 'utf8').replace(/简体中文/g, '')));
    expect(offenders).toEqual([]);
  });
});

describe('negotiateLocale', () => {
  it('defaults to Simplified Chinese', () => {
    expect(negotiateLocale(undefined, undefined)).toBe('zh-CN');
    expect(negotiateLocale(undefined, 'fr-FR,de;q=0.8')).toBe('zh-CN');
  });
  it('follows the browser, then an explicit choice', () => {
    expect(negotiateLocale(undefined, 'en-US,en;q=0.9,zh;q=0.5')).toBe('en');
    expect(negotiateLocale(undefined, 'en;q=0.4,zh-TW;q=0.8')).toBe('zh-CN');
    expect(negotiateLocale('en', 'zh-CN')).toBe('en');
    expect(negotiateLocale('xx', 'en')).toBe('en');
  });
});

describe('translator', () => {
  it('fills placeholders', () => {
    expect(translator('en')('accounts.locked_out', { minutes: 12 })).toBe('Too many failed log-ins. Try again in 12 minutes.');
    expect(translator('zh-CN')('accounts.locked_out', { minutes: 12 })).toBe('登录失败次数过多，请在 12 分钟后再试。');
  });
});
