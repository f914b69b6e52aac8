/**
 * Finds personal information in the free text of a need before it is published: ID numbers,
 * phones, e-mails, addresses below county level, school names, and people's names.
 * It flags for the caseworker to fix; it is a safety net, not a guarantee, so it leans towards
 * flagging. Regular expressions cover the shaped data; jieba's segmentation and part-of-speech
 * tags give word boundaries for place, school and person names, which no regex can find in
 * unspaced Chinese without flagging 农村 in "农村留守儿童".
 */
import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict';
import { pinyin } from 'pinyin-pro';

export type PiiKind = 'id_number' | 'phone' | 'address' | 'school' | 'name' | 'email' | 'known_name';

export interface PiiSpan {
  /** UTF-16 offsets into the original text, end exclusive. */
  start: number;
  end: number;
  kind: PiiKind;
  text: string;
}

export interface KnownPii {
  /** Names of the child and guardians, as on the child record. */
  names: string[];
  schoolNames?: string[];
}

interface Token {
  word: string;
  tag: string;
  start: number;
  end: number;
}

let jieba: Jieba | undefined;
// The dictionary takes ~0.3 s to load: only on the first scrub, never at server start.
function tokenize(text: string): Token[] {
  jieba ??= Jieba.withDict(dict);
  const tokens: Token[] = [];
  let at = 0;
  for (const { word, tag } of jieba.tag(text, true)) {
    const start = text.startsWith(word, at) ? at : text.indexOf(word, at);
    if (start < 0) continue;
    at = start + word.length;
    tokens.push({ word, tag, start, end: at });
  }
  return tokens;
}

// Full-width ASCII (０-９, ＠, －) mapped one-to-one so that regex offsets stay valid.
function foldWidth(text: string): string {
  return text.replace(/[\uFF01-\uFF5E\u3000]/g, (c) => (c === '\u3000' ? ' ' : String.fromCharCode(c.charCodeAt(0) - 0xfee0)));
}

const HAN = /^[\u3400-\u9fff]+$/;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---- shaped data ---------------------------------------------------------------------------

const PATTERNS: [PiiKind, RegExp][] = [
  // 18 characters with optional single spaces or dashes (people group them 6-8-4), or old 15-digit.
  ['id_number', /(?<![\dA-Za-z])(?:\d(?:[ -]?\d){16}[ -]?[\dXx]|\d{15})(?![\dA-Za-z])/g],
  ['phone', /(?<!\d)(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}(?!\d)/g],
  // Landline: area code 0xx or 0xxx, optional parentheses, then 7–8 digits and an extension.
  ['phone', /(?<!\d)(?:\(0[1-9]\d{1,2}\)|0[1-9]\d{1,2})[ -]?\d{7,8}(?:-\d{1,4})?(?!\d)/g],
  ['email', /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g],
];

// ---- addresses -----------------------------------------------------------------------------

// Below county level: what the published county does not already say.
const PLACE_SUFFIXES = ['村', '屯', '寨', '社区', '小区', '街道', '镇', '乡', '路', '街', '大道', '巷', '弄', '胡同'];
// Province/city/county names only extend an address that has a finer part.
const UPPER_SUFFIXES = ['省', '市', '县', '区', '州', '旗', '盟'];
const PLACE_TAGS = new Set(['ns', 'nr', 'nrt', 'nrfg', 'nz', 'nt', 'x', 'j']);
const PLACE_NAME_TAGS = new Set([...PLACE_TAGS, 'n', 'a', 'ng']);
// Words that end like a place (农村, 山路) or sit before a place word without naming one.
const GENERIC_PLACE_WORDS = new Set([
  '农村', '乡村', '山村', '城乡', '乡镇', '城镇', '家乡', '老乡', '故乡', '城市', '社区', '小区', '街道',
  '孩子', '儿童', '学校', '家庭', '家里', '老家', '当地', '本地', '附近', '周边', '山区', '偏远', '贫困',
  '上学', '放学', '回家', '城里', '县城', '安置', '搬迁', '留守', '驻村', '进村', '回村',
]);
// A numbered unit: 3组, 12号, 2单元, 501室, 五组. 号 followed by 线/床 is a bus line or a bed.
const NUMBERED_UNIT = /[0-9一二三四五六七八九十百零〇两]+(?:号楼|号院|号(?![线床])|组|栋|幢|单元|室|层|弄|社|队)/g;
const DOOR_PLATE = /门牌号?[:：]?\s*[0-9A-Za-z一二三四五六七八九十-]+号?/g;

interface Part {
  start: number;
  end: number;
  kind: 'place' | 'upper' | 'unit' | 'plate';
}

const endsWithAny = (word: string, suffixes: string[]) => suffixes.find((s) => word.endsWith(s) && word.length > s.length);

function addressSpans(text: string, folded: string, tokens: Token[]): [number, number][] {
  const parts: Part[] = [];
  tokens.forEach((t, i) => {
    // Two-character unknown words (驻村, 及村) are too often verb + place word to count.
    if (PLACE_TAGS.has(t.tag) && HAN.test(t.word) && !GENERIC_PLACE_WORDS.has(t.word) && !(t.tag === 'x' && t.word.length < 3)) {
      if (endsWithAny(t.word, PLACE_SUFFIXES)) return parts.push({ start: t.start, end: t.end, kind: 'place' });
      if (t.tag === 'ns' || endsWithAny(t.word, UPPER_SUFFIXES)) return parts.push({ start: t.start, end: t.end, kind: 'upper' });
    }
    // A place word standing alone after its name: 桃花/n 乡/n, 幸福/a 巷/ng, 白沙/nr 街道/n.
    const prev = tokens[i - 1];
    if (
      PLACE_SUFFIXES.includes(t.word) &&
      prev &&
      prev.end === t.start &&
      HAN.test(prev.word) &&
      PLACE_NAME_TAGS.has(prev.tag) &&
      !GENERIC_PLACE_WORDS.has(prev.word) &&
      (prev.word.length >= 2 || ['nr', 'ns', 'nrt', 'nz'].includes(prev.tag))
    ) {
      parts.push({ start: prev.start, end: t.end, kind: 'place' });
    }
  });
  for (const m of folded.matchAll(NUMBERED_UNIT)) parts.push({ start: m.index, end: m.index + m[0].length, kind: 'unit' });
  for (const m of folded.matchAll(DOOR_PLATE)) parts.push({ start: m.index, end: m.index + m[0].length, kind: 'plate' });
  parts.sort((a, b) => a.start - b.start || b.end - a.end);

  // Adjacent parts (touching, or only spaces between) form one address.
  const spans: [number, number][] = [];
  let chain: Part[] = [];
  const flush = () => {
    const count = (k: Part['kind']) => chain.filter((p) => p.kind === k).length;
    // One number alone is a date or a count (5号, 分三组); it needs a place or another unit.
    if (count('place') > 0 || count('plate') > 0 || count('unit') >= 2 || (count('unit') > 0 && count('upper') > 0)) {
      spans.push([chain[0].start, Math.max(...chain.map((p) => p.end))]);
    }
    chain = [];
  };
  for (const p of parts) {
    const end = chain.length ? Math.max(...chain.map((c) => c.end)) : -1;
    if (chain.length && !(p.start <= end || /^\s*$/.test(text.slice(end, p.start)))) flush();
    chain.push(p);
  }
  if (chain.length) flush();
  return spans;
}

// ---- schools -------------------------------------------------------------------------------

const SCHOOL_SUFFIXES = ['九年一贯制学校', '学校', '小学', '中学', '初中', '高中', '幼儿园', '完小', '中心校', '职中', '中专', '技校'];
// Words that end a school name on its left: verbs and prepositions before it, and generic
// modifiers (寄宿制学校, 山区学校) that describe a kind of school rather than name one.
const SCHOOL_LEFT_STOPS = new Set([
  '在', '于', '就读', '就读于', '读', '上', '到', '去', '进', '入', '回', '是', '所在', '考上', '考入', '升入',
  '转入', '转到', '转学', '来自', '位于', '该', '所', '一所', '这所', '那所', '的', '和', '与', '及', '或',
  '孩子', '儿童', '学生', '他', '她', '其', '家', '附近', '当地', '本地', '外地', '县城', '城里', '乡村',
  '农村', '山区', '偏远', '贫困', '寄宿', '寄宿制', '特殊教育', '特教', '普通', '重点', '公办', '民办',
  '私立', '公立', '培训', '职业', '现在', '原来', '以前', '新', '好', '一般', '村里', '镇上', '乡里', '县里',
  '家长', '指导', '网络', '夜', '周末', '假期', '暑期', '兴趣', ...GENERIC_PLACE_WORDS,
]);
const SCHOOL_STOP_TAGS = new Set(['v', 'i', 'l', 'p', 'c', 'r', 'd', 't', 'f', 'y', 'e', 'o', 'w', 'uj', 'ul', 'uz', 'ug', 'uv', 'ud', 'eng']);
// A township's or county's own "central school" is not one school until the place is named.
const GENERIC_SCHOOL_NAMES = new Set(['中心', '镇中心', '乡中心', '村', '镇', '乡', '县', '市', '区', '希望']);

function schoolSpans(text: string, tokens: Token[]): [number, number][] {
  const spans: [number, number][] = [];
  tokens.forEach((t, i) => {
    const suffix = SCHOOL_SUFFIXES.find((s) => t.word.endsWith(s));
    if (!suffix) return;
    let start = t.start;
    let name = t.word.slice(0, -suffix.length);
    for (let j = i - 1; j >= 0 && i - j <= 4; j--) {
      const p = tokens[j];
      if (p.end !== start || !HAN.test(p.word) || SCHOOL_STOP_TAGS.has(p.tag) || SCHOOL_LEFT_STOPS.has(p.word)) break;
      // Unknown words ending in a verb of going to school (刚上, 要读, 考入) are not names either.
      if (/[上读在入进到于]$/.test(p.word)) break;
      start = p.start;
      name = p.word + name;
    }
    if (name && !GENERIC_SCHOOL_NAMES.has(name) && !SCHOOL_LEFT_STOPS.has(name)) spans.push([start, t.end]);
  });
  // The county's numbered schools: 县一中, 市二中.
  for (const m of text.matchAll(/[县市区镇][一二三四五六七八九十]{1,2}[中小](?![学文国间心等])/g)) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

// ---- person names --------------------------------------------------------------------------

const COMPOUND_SURNAMES = ['欧阳', '司马', '上官', '诸葛', '东方', '皇甫', '令狐', '慕容', '司徒', '夏侯', '尉迟', '公孙', '长孙', '宇文', '轩辕', '端木', '西门', '南宫', '独孤'];
// The ~130 most common surnames cover about 90% of people; rarer ones rely on the known names.
// 常 is left out: 常学, 常思 ("often study") are far more frequent than people named 常.
const SURNAMES = new Set(
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付傅方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向汤康易乔赖文施洪辛柯庄葛牛齐焦杭柏岳',
);
// Characters common in given names. jieba's dictionary tags plenty of ordinary words as names
// (夏令营, 康复, 关怀 are nr), so "surname + given-name characters" is what makes a token a name.
const GIVEN_NAME_CHARS = new Set(
  '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红燕小晓文建国志海林辉鹏宇浩子涵欣怡梓轩雨琪萱佳诗思博俊宏一嘉睿瑞鑫晨阳欢乐婷婧倩雪梅菊莲凤琴云彩春秋冬夏丹慧颖晶妍媛悦月蕾薇莉莎琳璐瑶露凡帆航飞翔龙虎豪斌彬波峰锋亮光兵武东西南北中天山川河江森松柏杨柳桃荷芬香馨琦瑾瑜璇玮玲珊珍珠宝贝金银铭锦钰铮淼清泽润洁源溪沛沁潇霖霏雯雅婉娴淑惠聪智哲恩爱康健安宁和顺祥福禄寿喜财富贵荣昌盛兴旺发达成功德仁义礼信忠孝廉毅坚正诚真善美娇姗娅妮彤童桐新心星辰曦旭昊晗晴景曼萌梦若茜蓉芸芝苗茹莹蕊蔚青芊谦钦勤卿庆泉然冉如儒森善尚少绍深圣胜世书舒帅爽硕斯颂素腾田甜庭同万威巍为维卫舞希熙贤显宪向笑学勋亚岩炎彦扬尧耀烨伊依宜仪艺亦奕逸意银盈映永咏优友佑羽语郁育毓元园原圆远苑跃越允韵增展章彰昭照振征政之致舟洲竹卓紫宗祖佐昂傲奥保奔本滨冰炳才灿策长常朝承城驰崇楚传纯从翠存大道登迪笛典栋朵尔方菲斐丰钢高歌格根庚冠广函含寒汉好皓贺鹤虹鸿厚焕吉家剑进晋京经精境靖敬君峻骏凯楷可克坤昆岚朗雷黎力立良灵凌铃路伦洛茂民名鸣墨牧慕穆楠凝朋祺奇启绮千乔俏巧诺沐宸锐翊煜珂玥钧恺琛禹峥嵘霆骁昕曜炜焱澄澜湘滢漪妤嫣姝花芹娥妞丫娃柱栓蛋狗生水全有利',
);
// Kinship words and titles: "surname + title" (李老师, 赵阿姨) names nobody, like 王某.
const TITLES = [
  '老师', '阿姨', '叔叔', '奶奶', '爷爷', '外婆', '外公', '姥姥', '姥爷', '主任', '书记', '校长', '医生', '同学',
  '姐姐', '哥哥', '妈妈', '爸爸', '伯伯', '阿婆', '大爷', '大妈', '婆婆', '师傅', '先生', '女士', '警官', '律师',
  '村长', '社工', '志愿者', '家长',
];
// Ordinary words that pass the surname + given-name-characters test.
const NOT_NAMES = new Set(['孙子', '孙女', '高兴', '高中', '文明', '文化', '方便', '江山', '金钱', '安全', '成功', '常年', '向往', '黄金', '白天', '周末', '周岁']);
const NAME_TAGS = new Set(['nr', 'nrt', 'nrfg']);

const surnameOf = (name: string) => COMPOUND_SURNAMES.find((s) => name.startsWith(s)) ?? (SURNAMES.has(name[0]) ? name[0] : undefined);

function looksLikeName(word: string): boolean {
  const surname = surnameOf(word);
  if (!surname || NOT_NAMES.has(word)) return false;
  const given = word.slice(surname.length);
  return given.length >= 1 && given.length <= 2 && [...given].every((c) => GIVEN_NAME_CHARS.has(c));
}

function personNameSpans(text: string, tokens: Token[]): [number, number][] {
  const spans: [number, number][] = [];
  const push = (start: number, end: number) => {
    // Surname + 某 (王某, 王某某) is how names are meant to be written in a need.
    if (text[end] !== '某') spans.push([start, end]);
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (!HAN.test(t.word)) continue;
    const next = tokens[i + 1];
    // jieba often splits a name into surname and given name: 王/nr 德福/ns, 黄/a 丽丽/nr, 欧阳/ns 娜娜/nrt.
    if (
      surnameOf(t.word) === t.word &&
      next?.start === t.end &&
      (NAME_TAGS.has(next.tag) || ['ns', 'nz', 'x'].includes(next.tag)) &&
      !TITLES.includes(next.word) &&
      looksLikeName(t.word + next.word)
    ) {
      push(t.start, next.end);
      i++;
      continue;
    }
    // Names in the dictionary are tagged nr; unknown ones found by jieba's HMM come tagged x.
    if (!NAME_TAGS.has(t.tag) && t.tag !== 'x') continue;
    const title = TITLES.find((s) => t.word.endsWith(s) && t.word.length > s.length);
    const bare = title ? t.word.slice(0, -title.length) : t.word;
    if (bare.length >= 2 && looksLikeName(bare)) push(t.start, t.start + bare.length);
  }
  return spans;
}

// ---- known names ---------------------------------------------------------------------------

// Matches the characters of `word` in order with optional spaces between (张 小 明).
function spacedPattern(word: string): string {
  return [...word].map(escapeRegExp).join('\\s*');
}

function knownNamePatterns(name: string): RegExp[] {
  const clean = name.replace(/\s+/g, '');
  if (!clean) return [];
  const han: string[] = [clean];
  // Minority names written with a middle dot (阿依古丽·买买提): each part is a name on its own.
  const parts = clean.split(/[·•・.]/).filter((p) => p.length >= 2);
  if (parts.length > 1) han.push(...parts);
  else if (HAN.test(clean)) {
    const given = clean.slice((surnameOf(clean) ?? clean[0]).length);
    if (given.length >= 2) han.push(given);
  }
  const patterns = han.map((w) => new RegExp(spacedPattern(w), 'gi'));
  if (HAN.test(clean)) {
    const syllables = pinyin(clean, { toneType: 'none', type: 'array', surname: 'head' });
    const surnameLength = (surnameOf(clean) ?? clean[0]).length;
    // Zhang Xiaoming, ZHANG Xiao-ming, xiaoming zhang: any syllable may stand apart.
    const sep = '[\\s-]?';
    const family = syllables.slice(0, surnameLength).join(sep);
    const given = syllables.slice(surnameLength).join(sep);
    const words = [`${family}${sep}${given}`, `${given}${sep}${family}`];
    if (clean.length - surnameLength >= 2) words.push(given);
    for (const w of words) patterns.push(new RegExp(`(?<![A-Za-z])${w}(?![A-Za-z])`, 'gi'));
  }
  return patterns;
}

// ---- public --------------------------------------------------------------------------------

/**
 * Finds personal information in `text`: each span's text is exactly what must not be
 * published. A span inside a larger one is dropped; partly overlapping spans are both kept.
 */
export function findPii(text: string, known: KnownPii): PiiSpan[] {
  const folded = foldWidth(text);
  const tokens = tokenize(text);
  const found: [number, number, PiiKind][] = [];
  const add = (kind: PiiKind, ranges: Iterable<[number, number]>) => {
    for (const [s, e] of ranges) found.push([s, e, kind]);
  };
  const matches = (re: RegExp, on = folded) => [...on.matchAll(re)].map((m): [number, number] => [m.index, m.index + m[0].length]);

  // Order matters on identical ranges: the first kind found names the span.
  for (const name of known.names) for (const re of knownNamePatterns(name)) add('known_name', matches(re));
  for (const [kind, re] of PATTERNS) add(kind, matches(re));
  for (const school of known.schoolNames ?? []) {
    if (school.trim()) add('school', matches(new RegExp(spacedPattern(school.replace(/\s+/g, '')), 'g')));
  }
  add('school', schoolSpans(folded, tokens));
  add('address', addressSpans(text, folded, tokens));
  add('name', personNameSpans(text, tokens));

  found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const spans: PiiSpan[] = [];
  for (const [start, end, kind] of found) {
    if (spans.some((s) => s.start <= start && end <= s.end)) continue;
    spans.push({ start, end, kind, text: text.slice(start, end) });
  }
  return spans;
}

/** The text with each run of flagged characters replaced by one ■, so not even a name's length shows. */
export function redactPreview(text: string, spans: readonly Pick<PiiSpan, 'start' | 'end'>[]): string {
  const covered = new Array<boolean>(text.length).fill(false);
  for (const { start, end } of spans) for (let i = Math.max(0, start); i < Math.min(text.length, end); i++) covered[i] = true;
  let out = '';
  for (let i = 0; i < text.length; i++) {
    if (!covered[i]) out += text[i];
    else if (i === 0 || !covered[i - 1]) out += '■';
  }
  return out;
}
