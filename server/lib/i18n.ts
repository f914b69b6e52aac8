import fs from 'node:fs';
import path from 'node:path';

/** UI languages. Simplified Chinese is the default; English is selectable. */
export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'zh-CN';

type Dictionary = Record<string, string>;
export type Translate = (key: string, params?: Record<string, string | number>) => string;

const dir = path.join(__dirname, 'locales');
let dictionaries: Record<Locale, Dictionary> | undefined;

/** All locale files of a language merged: one file per area, flat dotted keys. */
export function loadDictionaries(): Record<Locale, Dictionary> {
  if (dictionaries) return dictionaries;
  const out = {} as Record<Locale, Dictionary>;
  for (const locale of LOCALES) {
    out[locale] = {};
    const localeDir = path.join(dir, locale);
    for (const file of fs.readdirSync(localeDir).filter((f) => f.endsWith('.json')).sort()) {
      Object.assign(out[locale], JSON.parse(fs.readFileSync(path.join(localeDir, file), 'utf8')));
    }
  }
  dictionaries = out;
  return out;
}

/** A translator for one locale; an unknown key falls back to Chinese, then to the key itself. */
export function translator(locale: Locale): Translate {
  const dicts = loadDictionaries();
  return (key, params) => {
    const template = dicts[locale][key] ?? dicts[DEFAULT_LOCALE][key] ?? key;
    if (!params) return template;
    return template.replace(/\{(\w+)\}/g, (m, name: string) => (params[name] !== undefined ? String(params[name]) : m));
  };
}

/** Picks the locale: explicit cookie choice first, then the browser's Accept-Language, then Chinese. */
export function negotiateLocale(cookieValue: string | undefined, acceptLanguage: string | undefined): Locale {
  if (cookieValue && (LOCALES as readonly string[]).includes(cookieValue)) return cookieValue as Locale;
  if (acceptLanguage) {
    const ranked = acceptLanguage
      .split(',')
      .map((part) => {
        const [tag, ...rest] = part.trim().split(';');
        const q = rest.find((r) => r.trim().startsWith('q='));
        return { tag: tag.toLowerCase(), q: q ? Number(q.trim().slice(2)) || 0 : 1 };
      })
      .sort((a, b) => b.q - a.q);
    for (const { tag } of ranked) {
      if (tag.startsWith('zh')) return 'zh-CN';
      if (tag.startsWith('en')) return 'en';
    }
  }
  return DEFAULT_LOCALE;
}
