import type { AccountsService } from '../accounts/accounts.service';
import type { DonationsService } from '../donations/donations.service';
import type { ExpendituresService } from '../expenditures/expenditures.service';
import type { FundsService } from '../funds/funds.service';
import { translator } from '../lib/i18n';
import type { DemoHelp } from './help';

/** What the money demo uses: the real services, so the demo's ledger is sealed and verifiable like any other. */
export interface MoneyDemoDeps {
  accounts: AccountsService;
  donations: DonationsService;
  expenditures: ExpendituresService;
  funds: FundsService;
}

/** A one-page PDF: the demo's stand-in for a scanned bank slip or invoice. */
function demoEvidence(label: string): { buffer: Buffer; filename: string } {
  const text = `CareBridge demo evidence: ${label}`;
  const body = `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 100]/Contents 4 0 R/Resources<</Font<</F1<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>>>>>>>endobj\n4 0 obj<</Length ${text.length + 30}>>stream\nBT /F1 10 Tf 10 50 Td (${text}) Tj ET\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n`;
  return { buffer: Buffer.from(body), filename: `${label}.pdf` };
}

const daysAgo = (now: Date, days: number) => new Date(now.getTime() - days * 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);

/**
 * The charity's money in the demo: offline gifts to its general fund and its first open project,
 * a donor's pledge, spending recorded by finance and approved by the charity's admin (four-eyes),
 * the tutoring materials tied to the help already running, and a quarterly disclosure — so the transparency page, the fund-use reports and a gift's
 * "where it went" all have something to show on first start.
 */
export async function seedMoney(deps: MoneyDemoDeps, ids: { charityId: string; financeUserId: string; approverUserId: string; donorUserId: string; password: string; help?: DemoHelp | null }, now = new Date()): Promise<void> {
  const t = translator('zh-CN');
  const [finance, approver, donor] = await Promise.all([deps.accounts.loadActor(ids.financeUserId), deps.accounts.loadActor(ids.approverUserId), deps.accounts.loadActor(ids.donorUserId)]);
  if (!finance || !approver || !donor) throw new Error('demo money: accounts missing');
  const orgId = ids.charityId;
  const { projects } = await deps.donations.donationTarget(orgId, null);
  const project = projects[0] ?? null;

  const gifts = [
    { projectId: null, giftAmount: 5_000_00, displayName: '黔北山花科技有限公司', receiptNumber: 'CM-2026-0001', days: 60, publicMessage: '支持春苗的每一个孩子' },
    { projectId: project?.id ?? null, giftAmount: 12_000_00, displayName: '遵义市某爱心企业', receiptNumber: 'CM-2026-0002', days: 45, publicMessage: null },
    { projectId: project?.id ?? null, giftAmount: 800_00, displayName: '匿名', receiptNumber: 'CM-2026-0003', days: 20, publicMessage: '愿孩子们快乐成长', anonymous: true },
  ];
  for (const g of gifts) {
    await deps.donations.recordOffline(
      finance,
      orgId,
      { projectId: g.projectId, giftAmount: g.giftAmount, method: 'bank_transfer', receivedOn: daysAgo(now, g.days), receiptNumber: g.receiptNumber, displayName: g.displayName, anonymous: Boolean(g.anonymous), publicMessage: g.publicMessage },
      [demoEvidence(`银行回单-${g.receiptNumber}`)],
      t,
    );
  }
  // A pledge shows how gifts work without a payment service; with Stripe configured the demo opens no checkout.
  if (!deps.donations.supports.checkout) await deps.donations.donate(donor, { organizationId: orgId, projectId: project?.id ?? null, giftAmount: 200_00, frequency: 'one_off', displayName: null, anonymous: false, publicMessage: '一点心意' }, 'zh-CN');

  const spending = [
    { projectId: project?.id ?? null, category: 'school_aid' as const, amount: 6_000_00, payeeType: 'school' as const, description: '春季学期助学金：10 名初中生的住宿费和学习用品', days: 30 },
    { projectId: project?.id ?? null, category: 'activities' as const, amount: 1_500_00, payeeType: 'supplier' as const, description: '志愿者交通和辅导教材', days: 5, served: true },
    { projectId: null, category: 'administration' as const, amount: 300_00, payeeType: 'organization' as const, description: '项目执行的通讯和文印费用', days: 10 },
  ];
  const running = ids.help && project && ids.help.projectId === project.id ? ids.help.helpRecordIds : [];
  for (const s of spending) {
    const helpRecordIds = 'served' in s ? running : [];
    const { id } = await deps.expenditures.record(finance, orgId, { projectId: s.projectId, category: s.category, spendingAmount: s.amount, spentOn: daysAgo(now, s.days), payeeType: s.payeeType, spendingDescription: s.description, helpRecordIds }, [demoEvidence(`发票-${s.days}`)], t);
    await deps.expenditures.approve(approver, orgId, id, ids.password, t);
  }
  // One more waits for the second person, so the approval queue is not empty.
  await deps.expenditures.record(finance, orgId, { projectId: project?.id ?? null, category: 'goods', spendingAmount: 900_00, spentOn: daysAgo(now, 2), payeeType: 'supplier', spendingDescription: '冬季御寒衣物 30 套', helpRecordIds: [] }, [demoEvidence('发票-冬衣')], t);

  if (project) {
    await deps.funds.publishDisclosure(finance, orgId, { disclosureKind: 'quarterly', projectId: project.id, periodStart: daysAgo(now, 90), periodEnd: daysAgo(now, 1), disclosureNote: '本季度收支情况及助学金发放说明。' });
  }
}
