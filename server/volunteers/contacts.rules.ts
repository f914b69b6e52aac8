/**
 * Finds contact details in a message between a volunteer and an organization, so that nobody
 * swaps contacts through the platform: a volunteer meets a child only through the organization.
 *
 * Decision: a message carrying a phone number, e-mail address, ID number, or a WeChat / QQ id
 * is refused (not sent, not stored) and the sender is shown what was found. Names, schools and
 * addresses are *not* refused here: a conversation about a pairing mentions meeting places and
 * people all the time, and flagging them would make messaging useless; the organization, which
 * writes most messages, is responsible for not naming the child. Like the need scrubber this is
 * a safety net, not a guarantee.
 */
import { findPii, type PiiSpan } from '../needs/scrub.rules';

export type ContactKind = 'phone' | 'email' | 'id_number' | 'wechat' | 'qq';

export interface ContactSpan {
  start: number;
  end: number;
  kind: ContactKind;
  text: string;
}

const SHAPED: ReadonlySet<PiiSpan['kind']> = new Set(['phone', 'email', 'id_number']);

// "微信 abc_123", "VX：abc123", "加v: zhang-san88", "wechat id is abc123": the handle after the word.
const WECHAT = /(?:微信|威信|薇信|维信|V信|v信|weixin|wechat|wx|vx|加v|加V)\s*(?:号|id|ID)?\s*(?:是|为|[:：])?\s*([A-Za-z][-_A-Za-z0-9]{5,19})(?![-_A-Za-z0-9])/gi;
// "QQ 12345678", "扣扣：123456": 5–11 digits after the word.
const QQ = /(?:QQ|qq|扣扣|企鹅)\s*(?:号|群)?\s*(?:是|为|[:：])?\s*([1-9]\d{4,10})(?!\d)/g;
// A phone number spelt in Chinese numerals to slip past the digit patterns: 幺三九…
const SPELT_PHONE = /[一二三四五六七八九零〇幺两]{7,}/g;

// Full-width letters and digits fold to ASCII one-to-one, so offsets stay valid.
const fold = (text: string) => text.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));

/** Every contact detail in `text`, in order; an empty list means the message may be sent. */
export function findContacts(text: string): ContactSpan[] {
  const folded = fold(text);
  const spans: ContactSpan[] = [];
  for (const s of findPii(text, { names: [] })) {
    if (SHAPED.has(s.kind)) spans.push({ start: s.start, end: s.end, kind: s.kind as ContactKind, text: s.text });
  }
  const add = (re: RegExp, kind: ContactKind, group: number) => {
    for (const m of folded.matchAll(re)) {
      const start = m.index + m[0].length - m[group].length;
      spans.push({ start, end: start + m[group].length, kind, text: text.slice(start, start + m[group].length) });
    }
  };
  add(WECHAT, 'wechat', 1);
  add(QQ, 'qq', 1);
  add(SPELT_PHONE, 'phone', 0);
  spans.sort((a, b) => a.start - b.start || b.end - a.end);
  return spans.filter((s, i) => !spans.slice(0, i).some((o) => o.start <= s.start && s.end <= o.end));
}
