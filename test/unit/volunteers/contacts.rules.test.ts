import { findContacts } from '../../../server/volunteers/contacts.rules';

const kinds = (text: string) => findContacts(text).map((c) => [c.kind, c.text]);

describe('findContacts', () => {
  it('finds phone numbers, e-mails, ID numbers, WeChat and QQ ids', () => {
    expect(kinds('有事打我电话 139 0852 0001')).toEqual([['phone', '139 0852 0001']]);
    expect(kinds('我的邮箱是 lin.xy@example.cn')).toEqual([['email', 'lin.xy@example.cn']]);
    expect(kinds('加我微信：lin_xiaoyu88 吧')).toEqual([['wechat', 'lin_xiaoyu88']]);
    expect(kinds('VX lin-xiaoyu')).toEqual([['wechat', 'lin-xiaoyu']]);
    expect(kinds('QQ号是12345678')).toEqual([['qq', '12345678']]);
    expect(kinds('扣扣 987654321')).toEqual([['qq', '987654321']]);
    expect(kinds('号码是幺三九零八五二零零零一')).toEqual([['phone', '幺三九零八五二零零零一']]);
    expect(kinds('电话１３９０８５２０００１')).toEqual([['phone', '１３９０８５２０００１']]);
  });

  it('lets an ordinary message about a pairing through', () => {
    expect(findContacts('下周六上午十点在镇中心小学门口集合，李老师会一起去。我们准备了 3 本数学练习册。')).toEqual([]);
    expect(findContacts('小花这个月数学考了 92 分，进步很大，请转告儿童主任。')).toEqual([]);
  });
});
