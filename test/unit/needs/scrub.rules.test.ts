import { findPii, redactPreview, type PiiKind } from '../../../server/needs/scrub.rules';

const none = { names: [] };
const flagged = (text: string, known: Parameters<typeof findPii>[1] = none): [PiiKind, string][] =>
  findPii(text, known).map((s) => [s.kind, s.text]);

describe('findPii leaves ordinary need descriptions alone', () => {
  it.each([
    '孩子父母在外务工，需要每周一次数学课业辅导',
    '需要心理疏导，情绪低落',
    '农村留守儿童，父亲在广州打工，母亲改嫁，爷爷患病。',
    '孩子由爷爷奶奶抚养，爷爷患有高血压，奶奶腿脚不便，家中经济来源主要靠种地和政府救助',
    '父亲服刑，母亲失联，孩子跟随外祖父母生活，性格内向，不爱说话',
    '孩子患有脑瘫，需要长期康复训练，希望得到康复器材和营养品',
    '事实无人抚养儿童，低保家庭，需要助学金完成初中学业',
    '孩子上小学三年级，家里没有书桌和台灯',
    '孩子在学校里被同学欺负，需要法律援助和心理辅导',
    '孩子马上要上初中，需要一辆自行车，上学路上要走一个小时',
    '村里的儿童主任每月上门走访，孩子近期情绪稳定',
    '偏远乡村学校缺少图书，孩子希望有课外读物',
    '孩子在县城寄宿制学校读书，周末需要交通费',
    '孩子听力障碍，需要去特殊教育学校就读',
    '孩子在乡镇中学读书，成绩优秀，希望得到奖学金',
    '孩子成绩优秀，考上了重点高中',
    '孩子刚上幼儿园，需要书包和水杯',
    '孩子一家搬到了易地搬迁安置小区，需要融入新社区',
    '孩子分三组参加夏令营活动',
    '每月5号前需要缴纳住宿费，家庭无力承担',
    '孩子3月5号过生日，希望收到一份生日礼物',
    '孩子放学后一个人在街上玩，存在安全隐患',
    '家里离学校有十几里山路，需要一辆自行车',
    '钱爷爷说孙子需要学习用品，赵阿姨每周来看望',
    '孩子的父亲王某在外务工，联系人王某某',
    '希望有爱心妈妈周末来陪伴孩子，孩子患癫痫，每月药费约300元',
  ])('%s', (text) => {
    expect(flagged(text)).toEqual([]);
  });
});

describe('findPii flags what identifies a child', () => {
  it('returns offsets that point at exactly the flagged text', () => {
    const text = '张小明今年9岁，由奶奶王秀英照顾，住在红星村3组12号，就读于红星小学，电话13812345678。';
    const spans = findPii(text, none);
    expect(spans.map((s) => [s.kind, s.text])).toEqual([
      ['name', '张小明'],
      ['name', '王秀英'],
      ['address', '红星村3组12号'],
      ['school', '红星小学'],
      ['phone', '13812345678'],
    ]);
    for (const s of spans) expect(text.slice(s.start, s.end)).toBe(s.text);
  });

  it('finds ID numbers written plainly, grouped with spaces, with a lower-case x, or in full-width digits', () => {
    expect(flagged('身份证号：52032420120305123X。')).toEqual([['id_number', '52032420120305123X']]);
    expect(flagged('身份证 520324 20120305 123x 已核实')).toEqual([['id_number', '520324 20120305 123x']]);
    expect(flagged('老身份证520324120305123')).toEqual([['id_number', '520324120305123']]);
    expect(flagged('号码５２０３２４２０１２０３０５１２３Ｘ')).toEqual([['id_number', '５２０３２４２０１２０３０５１２３Ｘ']]);
  });

  it('finds mobile and landline numbers with spaces, dashes and country code', () => {
    expect(flagged('监护人手机 138-1234-5678，或 +86 139 8765 4321')).toEqual([
      ['phone', '138-1234-5678'],
      ['phone', '+86 139 8765 4321'],
    ]);
    expect(flagged('村委会电话0851-28221234，学校(010)62751234')).toEqual([
      ['phone', '0851-28221234'],
      ['phone', '(010)62751234'],
    ]);
  });

  it('does not take a bank-card-length number, an amount or a date for a phone', () => {
    expect(flagged('需要资金12000元，2024-03-05前完成')).toEqual([]);
  });

  it('finds e-mail addresses', () => {
    expect(flagged('请联系 wang.xiuying@qq.com 了解情况')).toEqual([['email', 'wang.xiuying@qq.com']]);
  });

  it.each([
    ['家住张家村三组，上学路上要走一个小时', '张家村三组'],
    ['住在李家庄村，离镇上很远', '李家庄村'],
    ['家住城关镇解放路12号', '城关镇解放路12号'],
    ['家住幸福小区3栋2单元501室', '幸福小区3栋2单元501室'],
    ['在北京市朝阳区建国路88号', '北京市朝阳区建国路88号'],
    ['孩子户籍在桃花乡，现居住在县城', '桃花乡'],
    ['住白沙街道东风社区', '白沙街道东风社区'],
    ['家住东方红街道幸福巷5号', '东方红街道幸福巷5号'],
    ['他家在南门巷', '南门巷'],
    ['门牌号：17号', '门牌号：17号'],
  ])('finds the address in %s', (text, address) => {
    expect(flagged(text)).toEqual([['address', address]]);
  });

  it.each([
    ['孩子在青石镇中心小学读四年级', '青石镇中心小学'],
    ['孩子就读于县第二中学', '县第二中学'],
    ['在实验小学读三年级', '实验小学'],
    ['就读于阳光幼儿园', '阳光幼儿园'],
    ['孩子去年考入市一中', '市一中'],
  ])('finds the school in %s', (text, school) => {
    expect(flagged(text)).toEqual([['school', school]]);
  });

  it('finds the schools the caseworker named even when the text alone would not', () => {
    expect(flagged('孩子在希望之星学校读书', { names: [], schoolNames: ['希望之星学校'] })).toEqual([['school', '希望之星学校']]);
  });

  it.each([
    ['儿童主任李建国反映，孩子成绩下降', ['李建国']],
    ['孩子叫王小红，现由爷爷王德福抚养', ['王小红', '王德福']],
    ['孩子的爸爸叫杨建军，在深圳打工，妈妈黄丽丽在东莞', ['杨建军', '黄丽丽']],
    ['班主任张丽老师反映其情绪波动较大', ['张丽']],
    ['志愿者刘芳每月来看望', ['刘芳']],
    ['欧阳娜娜在北京读书', ['欧阳娜娜']],
  ])('finds the people named in %s, leaving titles out', (text, names) => {
    expect(flagged(text)).toEqual(names.map((n) => ['name', n]));
  });
});

describe('findPii with the names on the child record', () => {
  const known = { names: ['张小明', '王秀英'] };

  it('flags full names, given names alone and names typed with spaces, but not surname + 某', () => {
    expect(flagged('张某今年10岁，小明很懂事，由张 小 明的奶奶王秀英照顾', known)).toEqual([
      ['known_name', '小明'],
      ['known_name', '张 小 明'],
      ['known_name', '王秀英'],
    ]);
  });

  it('flags the names written in pinyin, in either order', () => {
    expect(flagged('Zhang Xiaoming likes maths; so does XIAO-MING ZHANG. Xiaoming is 10.', known)).toEqual([
      ['known_name', 'Zhang Xiaoming'],
      ['known_name', 'XIAO-MING ZHANG'],
      ['known_name', 'Xiaoming'],
    ]);
  });

  it('does not flag a one-character given name alone, which would hit ordinary words', () => {
    expect(flagged('明天李明来，明白了', { names: ['李明'] })).toEqual([['known_name', '李明']]);
  });

  it('flags each part of a name written with a middle dot', () => {
    expect(flagged('阿依古丽·买买提的女儿，阿依古丽很辛苦', { names: ['阿依古丽·买买提'] })).toEqual([
      ['known_name', '阿依古丽·买买提'],
      ['known_name', '阿依古丽'],
    ]);
  });

  it('ignores blank names', () => {
    expect(flagged('孩子需要书包', { names: ['', '  '], schoolNames: [' '] })).toEqual([]);
  });
});

describe('redactPreview', () => {
  it('replaces each flagged run with one ■, so a name’s length does not show', () => {
    const text = '张小明住在红星村3组12号，电话13812345678';
    expect(redactPreview(text, findPii(text, { names: ['张小明'] }))).toBe('■住在■，电话■');
  });

  it('merges overlapping and touching spans and leaves the text alone without spans', () => {
    expect(redactPreview('abcdefgh', [{ start: 1, end: 3 }, { start: 2, end: 5 }, { start: 5, end: 6 }])).toBe('a■gh');
    expect(redactPreview('孩子需要书包', [])).toBe('孩子需要书包');
  });
});
