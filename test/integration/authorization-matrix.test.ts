import { Browser, startTestApp, type TestContext } from '../support/app';
import { creditCode, makeMember, makeOrg, makeUser, PASSWORD } from '../support/factories';
import { makeIdNumber } from '../../server/children/id-number.rules';
import { buildRosterTemplate } from '../../server/children/roster-file';
import { helpFixture, projectForm } from '../support/matching';
import { servedRoutes } from '../support/routes';

/**
 * Walks every route the app serves × every kind of user, and asserts exactly who gets in.
 * A new route fails this test until its row is added below, so no route ships unreviewed.
 */
const ROLES = ['anonymous', 'individual', 'orgAdmin', 'orgCaseworker', 'orgFinance', 'orgStaff', 'otherOrgAdmin', 'governmentAdmin', 'pendingOrgAdmin', 'platformAdmin'] as const;
type Role = (typeof ROLES)[number];
const EVERYONE: readonly Role[] = ROLES;
const SIGNED_IN: readonly Role[] = ROLES.filter((r) => r !== 'anonymous');
/** Children's records: the owning organization's caseworkers, supervisors and admins. */
const CHILD_KEEPERS: readonly Role[] = ['orgAdmin', 'orgCaseworker'];
/** Needs' publication and helped needs' withdrawal: the organization's supervisors (the matrix's caseworker is also one). */
const NEED_APPROVERS: readonly Role[] = ['orgCaseworker'];
/** Help projects and the answers to their proposals: a charity's or enterprise's admins and staff. */
const PROJECT_STAFF: readonly Role[] = ['orgAdmin', 'orgStaff'];
/** Project review: platform admins and government offices. */
const REVIEWERS: readonly Role[] = ['governmentAdmin', 'platformAdmin'];
/** An organization's money: its finance members and admins. */
const MONEY_KEEPERS: readonly Role[] = ['orgAdmin', 'orgFinance'];
/** Ids that name nothing: the route answers 404 to those allowed in, 401/403 to the rest. */
const NO_SUCH = '00000000-0000-4000-8000-000000000000';
/**
 * The volunteer side: accounts with the volunteer capacity. Any account gains it by saving a
 * volunteer profile, which the first volunteer row below does for every signed-in role (POST
 * /account earlier cleared the individual's), so here that is everyone signed in. That people
 * without the capacity are refused is tested in test/integration/volunteers.
 */
const VOLUNTEERS: readonly Role[] = SIGNED_IN;
/** Who works with an organization's volunteers: admins, staff, caseworkers and supervisors (not finance). */
const VOLUNTEER_COORDINATORS: readonly Role[] = ['orgAdmin', 'orgCaseworker', 'orgStaff'];

interface Fixture {
  orgId: string;
  childId: string;
  needId: string;
  pendingOrgId: string;
  invitationId: string;
  invitationToken: string;
  staffUserId: string;
  importId: string;
  projectId: string;
  roleId: string;
  proposalId: string;
  helpRecordId: string;
}
interface Row {
  method: 'GET' | 'POST';
  path: string;
  allowed: readonly Role[];
  url: (f: Fixture) => string;
  body?: (f: Fixture) => Record<string, string | string[]>;
}

const MATRIX: Row[] = [
  { method: 'GET', path: '/healthz', allowed: EVERYONE, url: () => '/healthz' },
  { method: 'GET', path: '/readyz', allowed: EVERYONE, url: () => '/readyz' },
  { method: 'GET', path: '/', allowed: EVERYONE, url: () => '/' },
  { method: 'GET', path: '/signup', allowed: EVERYONE, url: () => '/signup' },
  { method: 'POST', path: '/signup', allowed: EVERYONE, url: () => '/signup', body: () => ({ displayName: 'x', email: 'bad', password: 'x' }) },
  { method: 'GET', path: '/login', allowed: EVERYONE, url: () => '/login' },
  { method: 'POST', path: '/login', allowed: EVERYONE, url: () => '/login', body: () => ({ email: 'nobody@example.cn', password: 'wrong password' }) },
  { method: 'POST', path: '/logout', allowed: EVERYONE, url: () => '/logout' },
  { method: 'GET', path: '/language', allowed: EVERYONE, url: () => '/language?locale=en' },
  { method: 'POST', path: '/language', allowed: EVERYONE, url: () => '/language', body: () => ({ locale: 'en' }) },
  { method: 'GET', path: '/password/forgot', allowed: EVERYONE, url: () => '/password/forgot' },
  { method: 'POST', path: '/password/forgot', allowed: EVERYONE, url: () => '/password/forgot', body: () => ({ email: 'nobody@example.cn' }) },
  { method: 'GET', path: '/password/reset/:token', allowed: EVERYONE, url: () => '/password/reset/aaaaaaaaaaaaaaaaaaaaaaaaaaaa' },
  { method: 'POST', path: '/password/reset/:token', allowed: EVERYONE, url: () => '/password/reset/aaaaaaaaaaaaaaaaaaaaaaaaaaaa', body: () => ({ newPassword: 'whatever passphrase' }) },
  { method: 'GET', path: '/account', allowed: SIGNED_IN, url: () => '/account' },
  { method: 'POST', path: '/account', allowed: SIGNED_IN, url: () => '/account', body: () => ({ displayName: '测试' }) },
  { method: 'GET', path: '/account/password', allowed: SIGNED_IN, url: () => '/account/password' },
  { method: 'POST', path: '/account/password', allowed: SIGNED_IN, url: () => '/account/password', body: () => ({ currentPassword: 'not the password', newPassword: 'another passphrase' }) },
  { method: 'GET', path: '/organizations', allowed: EVERYONE, url: () => '/organizations' },
  { method: 'GET', path: '/organizations/apply', allowed: SIGNED_IN, url: () => '/organizations/apply' },
  { method: 'POST', path: '/organizations/apply', allowed: SIGNED_IN, url: () => '/organizations/apply', body: () => ({ name: '申请机构', kind: 'charity', creditCode: creditCode() }) },
  { method: 'GET', path: '/organizations/:orgId', allowed: EVERYONE, url: (f) => `/organizations/${f.orgId}` },
  { method: 'GET', path: '/org/:orgId', allowed: ['orgAdmin'], url: (f) => `/org/${f.orgId}` },
  { method: 'POST', path: '/org/:orgId/invitations', allowed: ['orgAdmin'], url: (f) => `/org/${f.orgId}/invitations`, body: () => ({ email: 'new@example.cn', roles: ['staff'] }) },
  { method: 'POST', path: '/org/:orgId/invitations/:invitationId/revoke', allowed: ['orgAdmin'], url: (f) => `/org/${f.orgId}/invitations/${f.invitationId}/revoke` },
  { method: 'POST', path: '/org/:orgId/members/:userId/roles', allowed: ['orgAdmin'], url: (f) => `/org/${f.orgId}/members/${f.staffUserId}/roles`, body: () => ({ roles: ['staff'] }) },
  { method: 'GET', path: '/org/:orgId/audit', allowed: ['orgAdmin'], url: (f) => `/org/${f.orgId}/audit` },
  { method: 'GET', path: '/invitations/:token', allowed: EVERYONE, url: (f) => `/invitations/${f.invitationToken}` },
  { method: 'POST', path: '/invitations/:token/accept', allowed: SIGNED_IN, url: (f) => `/invitations/${f.invitationToken}/accept` },
  { method: 'GET', path: '/admin/organizations', allowed: ['platformAdmin'], url: () => '/admin/organizations' },
  { method: 'POST', path: '/admin/organizations/:orgId/review', allowed: ['platformAdmin'], url: (f) => `/admin/organizations/${f.pendingOrgId}/review`, body: () => ({ decision: 'verify' }) },
  { method: 'GET', path: '/notifications', allowed: SIGNED_IN, url: () => '/notifications' },
  { method: 'POST', path: '/notifications/:id/read', allowed: SIGNED_IN, url: () => '/notifications/00000000-0000-4000-8000-000000000000/read' },
  { method: 'POST', path: '/notifications/read-all', allowed: SIGNED_IN, url: () => '/notifications/read-all' },
  { method: 'POST', path: '/notifications/mail', allowed: SIGNED_IN, url: () => '/notifications/mail', body: () => ({ mailNotifications: 'off' }) },
  { method: 'GET', path: '/dashboard', allowed: ['governmentAdmin', 'platformAdmin'], url: () => '/dashboard?region=520324' },
  { method: 'GET', path: '/dashboard/export.xlsx', allowed: ['governmentAdmin', 'platformAdmin'], url: () => '/dashboard/export.xlsx' },
  { method: 'GET', path: '/needs', allowed: EVERYONE, url: () => '/needs' },
  { method: 'GET', path: '/needs/:code', allowed: EVERYONE, url: () => '/needs/NO-SUCHCODE' },
  { method: 'GET', path: '/org/:orgId/children', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/children` },
  { method: 'GET', path: '/org/:orgId/children/new', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/children/new` },
  { method: 'POST', path: '/org/:orgId/children', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/children`, body: () => childForm() },
  { method: 'GET', path: '/org/:orgId/children/:childId', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/children/${f.childId}` },
  { method: 'GET', path: '/org/:orgId/children/:childId/edit', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/children/${f.childId}/edit` },
  { method: 'POST', path: '/org/:orgId/children/:childId', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/children/${f.childId}`, body: () => childForm() },
  { method: 'POST', path: '/org/:orgId/children/:childId/visits', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/children/${f.childId}/visits`, body: () => ({ visitedOn: '2026-11-01', findings: '孩子状态良好。' }) },
  { method: 'POST', path: '/org/:orgId/children/:childId/needs', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/children/${f.childId}/needs`, body: () => ({ needKind: 'tutoring', urgency: '2', needDescription: '需要每周一次数学课业辅导。' }) },
  { method: 'POST', path: '/org/:orgId/children/:childId/needs/:needId/submit', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/children/${f.childId}/needs/${f.needId}/submit` },
  { method: 'POST', path: '/org/:orgId/children/:childId/needs/:needId/revise', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/children/${f.childId}/needs/${f.needId}/revise`, body: () => ({ needDescription: '需要每周两次课业辅导。' }) },
  { method: 'GET', path: '/org/:orgId/needs/approvals', allowed: NEED_APPROVERS, url: (f) => `/org/${f.orgId}/needs/approvals` },
  { method: 'POST', path: '/org/:orgId/needs/:needId/approve', allowed: NEED_APPROVERS, url: (f) => `/org/${f.orgId}/needs/${f.needId}/approve` },
  { method: 'POST', path: '/org/:orgId/needs/:needId/return', allowed: NEED_APPROVERS, url: (f) => `/org/${f.orgId}/needs/${f.needId}/return`, body: () => ({ note: '矩阵测试' }) },
  { method: 'POST', path: '/org/:orgId/children/:childId/needs/:needId/withdraw', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/children/${f.childId}/needs/${f.needId}/withdraw`, body: () => ({ reason: '家庭情况变化' }) },
  { method: 'GET', path: '/org/:orgId/roster', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/roster` },
  { method: 'GET', path: '/org/:orgId/roster/template.xlsx', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/roster/template.xlsx` },
  { method: 'POST', path: '/org/:orgId/roster/imports', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/roster/imports` },
  { method: 'GET', path: '/org/:orgId/roster/imports/:importId', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/roster/imports/${f.importId}` },
  { method: 'GET', path: '/org/:orgId/roster/imports/:importId/errors.xlsx', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/roster/imports/${f.importId}/errors.xlsx` },
  { method: 'POST', path: '/org/:orgId/roster/export', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/roster/export`, body: () => ({ password: 'not the password', reason: '矩阵测试' }) },
  { method: 'POST', path: '/webhooks/stripe', allowed: [], url: () => '/webhooks/stripe', body: () => ({ type: 'checkout.session.completed' }) },
  { method: 'GET', path: '/donate', allowed: EVERYONE, url: (f) => `/donate?organization=${f.orgId}` },
  { method: 'POST', path: '/donate', allowed: EVERYONE, url: () => '/donate', body: (f) => ({ organizationId: f.orgId, giftAmount: '10', frequency: 'one_off' }) },
  { method: 'GET', path: '/donations/:receiptCode', allowed: EVERYONE, url: () => '/donations/no-such-receipt-code-000' },
  { method: 'GET', path: '/account/gifts', allowed: SIGNED_IN, url: () => '/account/gifts' },
  { method: 'GET', path: '/org/:orgId/gifts', allowed: MONEY_KEEPERS, url: (f) => `/org/${f.orgId}/gifts` },
  { method: 'POST', path: '/org/:orgId/gifts', allowed: ['orgFinance'], url: (f) => `/org/${f.orgId}/gifts`, body: () => ({ giftAmount: '10', method: 'cash', receivedOn: '2026-01-05', receiptNumber: 'M-1', displayName: '矩阵' }) },
  { method: 'POST', path: '/org/:orgId/gifts/:donationId/refund', allowed: MONEY_KEEPERS, url: (f) => `/org/${f.orgId}/gifts/${NO_SUCH}/refund`, body: () => ({ password: 'not the password' }) },
  { method: 'GET', path: '/org/:orgId/expenditures', allowed: MONEY_KEEPERS, url: (f) => `/org/${f.orgId}/expenditures` },
  { method: 'POST', path: '/org/:orgId/expenditures', allowed: ['orgFinance'], url: (f) => `/org/${f.orgId}/expenditures`, body: () => ({ category: 'goods', spendingAmount: '1', spentOn: '2026-01-05', payeeType: 'supplier', spendingDescription: '矩阵测试支出' }) },
  { method: 'POST', path: '/org/:orgId/expenditures/:expenditureId/approve', allowed: MONEY_KEEPERS, url: (f) => `/org/${f.orgId}/expenditures/${NO_SUCH}/approve`, body: () => ({ password: 'not the password' }) },
  { method: 'POST', path: '/org/:orgId/expenditures/:expenditureId/reject', allowed: MONEY_KEEPERS, url: (f) => `/org/${f.orgId}/expenditures/${NO_SUCH}/reject`, body: () => ({ reason: '矩阵测试' }) },
  { method: 'POST', path: '/org/:orgId/expenditures/:expenditureId/reverse', allowed: MONEY_KEEPERS, url: (f) => `/org/${f.orgId}/expenditures/${NO_SUCH}/reverse`, body: () => ({ reason: '矩阵测试冲正', password: 'not the password' }) },
  { method: 'GET', path: '/org/:orgId/evidence/:fileId', allowed: MONEY_KEEPERS, url: (f) => `/org/${f.orgId}/evidence/${NO_SUCH}` },
  // Receipts: finance marks, a second finance member or admin confirms or returns; only a confirmed copy is public.
  { method: 'GET', path: '/org/:orgId/evidence/:fileId/redaction', allowed: MONEY_KEEPERS, url: (f) => `/org/${f.orgId}/evidence/${NO_SUCH}/redaction` },
  { method: 'POST', path: '/org/:orgId/evidence/:fileId/redaction', allowed: ['orgFinance'], url: (f) => `/org/${f.orgId}/evidence/${NO_SUCH}/redaction`, body: () => ({ 'boxes[0][page]': '1', 'boxes[0][x]': '10', 'boxes[0][y]': '10', 'boxes[0][w]': '20', 'boxes[0][h]': '5', 'boxes[0][covers]': 'name' }) },
  { method: 'GET', path: '/org/:orgId/evidence/:fileId/pages/:page', allowed: MONEY_KEEPERS, url: (f) => `/org/${f.orgId}/evidence/${NO_SUCH}/pages/1` },
  { method: 'GET', path: '/org/:orgId/evidence/:fileId/redaction/copy', allowed: MONEY_KEEPERS, url: (f) => `/org/${f.orgId}/evidence/${NO_SUCH}/redaction/copy` },
  { method: 'GET', path: '/org/:orgId/evidence/:fileId/redaction/copy/pages/:page', allowed: MONEY_KEEPERS, url: (f) => `/org/${f.orgId}/evidence/${NO_SUCH}/redaction/copy/pages/1` },
  { method: 'POST', path: '/org/:orgId/evidence/:fileId/redaction/confirm', allowed: MONEY_KEEPERS, url: (f) => `/org/${f.orgId}/evidence/${NO_SUCH}/redaction/confirm`, body: () => ({ copySha256: 'a'.repeat(64) }) },
  { method: 'POST', path: '/org/:orgId/evidence/:fileId/redaction/return', allowed: MONEY_KEEPERS, url: (f) => `/org/${f.orgId}/evidence/${NO_SUCH}/redaction/return`, body: () => ({ reason: '矩阵测试退回' }) },
  { method: 'GET', path: '/receipts/:publicId', allowed: EVERYONE, url: () => `/receipts/${'A'.repeat(43)}` },
  { method: 'GET', path: '/funds/organizations/:orgId', allowed: EVERYONE, url: (f) => `/funds/organizations/${f.orgId}` },
  { method: 'GET', path: '/funds/organizations/:orgId/export/:format', allowed: EVERYONE, url: (f) => `/funds/organizations/${f.orgId}/export/csv` },
  { method: 'GET', path: '/funds/projects/:projectId', allowed: EVERYONE, url: () => `/funds/projects/${NO_SUCH}` },
  { method: 'GET', path: '/funds/projects/:projectId/export/:format', allowed: EVERYONE, url: () => `/funds/projects/${NO_SUCH}/export/json` },
  { method: 'GET', path: '/funds/projects/:projectId/disclosures/:disclosureId/filing.xlsx', allowed: EVERYONE, url: () => `/funds/projects/${NO_SUCH}/disclosures/${NO_SUCH}/filing.xlsx` },
  { method: 'GET', path: '/transparency', allowed: EVERYONE, url: () => '/transparency' },
  { method: 'GET', path: '/transparency/ledger.jsonl', allowed: EVERYONE, url: () => '/transparency/ledger.jsonl' },
  { method: 'GET', path: '/org/:orgId/disclosures', allowed: MONEY_KEEPERS, url: (f) => `/org/${f.orgId}/disclosures` },
  { method: 'POST', path: '/org/:orgId/disclosures', allowed: MONEY_KEEPERS, url: (f) => `/org/${f.orgId}/disclosures`, body: () => ({ disclosureKind: 'annual', periodStart: '2025-01-01', periodEnd: '2025-12-31' }) },
  { method: 'POST', path: '/org/:orgId/disclosures/:disclosureId/correct', allowed: MONEY_KEEPERS, url: (f) => `/org/${f.orgId}/disclosures/${NO_SUCH}/correct`, body: () => ({ reason: '矩阵测试更正' }) },
  { method: 'GET', path: '/projects', allowed: EVERYONE, url: () => '/projects?kind=companionship' },
  { method: 'GET', path: '/projects/:projectId', allowed: EVERYONE, url: (f) => `/projects/${f.projectId}` },
  { method: 'GET', path: '/org/:orgId/projects', allowed: PROJECT_STAFF, url: (f) => `/org/${f.orgId}/projects` },
  { method: 'GET', path: '/org/:orgId/projects/new', allowed: PROJECT_STAFF, url: (f) => `/org/${f.orgId}/projects/new` },
  { method: 'POST', path: '/org/:orgId/projects', allowed: PROJECT_STAFF, url: (f) => `/org/${f.orgId}/projects`, body: () => projectForm({ endOn: '2099-12-31' }) },
  { method: 'GET', path: '/org/:orgId/projects/:projectId', allowed: PROJECT_STAFF, url: (f) => `/org/${f.orgId}/projects/${f.projectId}` },
  { method: 'GET', path: '/org/:orgId/projects/:projectId/edit', allowed: PROJECT_STAFF, url: (f) => `/org/${f.orgId}/projects/${f.projectId}/edit` },
  { method: 'POST', path: '/org/:orgId/projects/:projectId', allowed: PROJECT_STAFF, url: (f) => `/org/${f.orgId}/projects/${f.projectId}`, body: () => projectForm({ endOn: '2099-12-31' }) },
  { method: 'POST', path: '/org/:orgId/projects/:projectId/submit', allowed: PROJECT_STAFF, url: (f) => `/org/${f.orgId}/projects/${f.projectId}/submit` },
  { method: 'POST', path: '/org/:orgId/projects/:projectId/roles', allowed: PROJECT_STAFF, url: (f) => `/org/${f.orgId}/projects/${f.projectId}/roles`, body: () => ({ roleTitle: '矩阵岗位', roleKind: 'tutor', slots: '1' }) },
  { method: 'POST', path: '/org/:orgId/projects/:projectId/roles/:roleId/remove', allowed: PROJECT_STAFF, url: (f) => `/org/${f.orgId}/projects/${f.projectId}/roles/${f.roleId}/remove` },
  { method: 'GET', path: '/admin/projects', allowed: REVIEWERS, url: () => '/admin/projects' },
  { method: 'POST', path: '/admin/projects/:projectId/review', allowed: REVIEWERS, url: (f) => `/admin/projects/${f.projectId}/review`, body: () => ({ decision: 'approve' }) },
  { method: 'GET', path: '/org/:orgId/proposals', allowed: PROJECT_STAFF, url: (f) => `/org/${f.orgId}/proposals` },
  { method: 'POST', path: '/org/:orgId/proposals/:proposalId/accept', allowed: PROJECT_STAFF, url: (f) => `/org/${f.orgId}/proposals/${f.proposalId}/accept` },
  { method: 'POST', path: '/org/:orgId/proposals/:proposalId/decline', allowed: PROJECT_STAFF, url: (f) => `/org/${f.orgId}/proposals/${f.proposalId}/decline`, body: () => ({ reason: '矩阵测试' }) },
  { method: 'POST', path: '/org/:orgId/matching/run', allowed: PROJECT_STAFF, url: (f) => `/org/${f.orgId}/matching/run` },
  { method: 'GET', path: '/org/:orgId/matches', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/matches` },
  { method: 'POST', path: '/org/:orgId/matches/:proposalId/confirm', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/matches/${f.proposalId}/confirm` },
  { method: 'POST', path: '/org/:orgId/matches/:proposalId/withdraw', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/matches/${f.proposalId}/withdraw`, body: () => ({ reason: '矩阵测试' }) },
  // The fixture organization runs the project and keeps the child, so both sides' people may record a follow-up.
  { method: 'POST', path: '/org/:orgId/help-records/:helpRecordId/follow-ups', allowed: ['orgAdmin', 'orgCaseworker', 'orgStaff'], url: (f) => `/org/${f.orgId}/help-records/${f.helpRecordId}/follow-ups`, body: () => ({ notes: '矩阵测试回访' }) },
  { method: 'POST', path: '/org/:orgId/help-records/:helpRecordId/close', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/help-records/${f.helpRecordId}/close`, body: () => ({ outcome: 'partly_met', evaluation: '矩阵测试结案' }) },
  { method: 'POST', path: '/org/:orgId/projects/:projectId/close', allowed: PROJECT_STAFF, url: (f) => `/org/${f.orgId}/projects/${f.projectId}/close` },
  { method: 'GET', path: '/admin/matching', allowed: ['platformAdmin'], url: () => '/admin/matching' },
  { method: 'POST', path: '/admin/matching/run', allowed: ['platformAdmin'], url: () => '/admin/matching/run' },
  // Volunteers. Ids that do not exist are enough: authorization is decided before anything is looked up (404 counts as let in).
  { method: 'GET', path: '/volunteer/profile', allowed: SIGNED_IN, url: () => '/volunteer/profile' },
  { method: 'POST', path: '/volunteer/profile', allowed: SIGNED_IN, url: () => '/volunteer/profile', body: () => ({ skills: ['tutoring'], onlineOnly: 'on', travelKm: '0', motivation: '矩阵测试的志愿者档案' }) },
  { method: 'GET', path: '/volunteer', allowed: VOLUNTEERS, url: () => '/volunteer' },
  { method: 'POST', path: '/volunteer/organizations', allowed: VOLUNTEERS, url: () => '/volunteer/organizations', body: (f) => ({ organizationId: f.orgId }) },
  { method: 'GET', path: '/volunteer/organizations/:orgId', allowed: VOLUNTEERS, url: (f) => `/volunteer/organizations/${f.orgId}` },
  { method: 'POST', path: '/volunteer/organizations/:orgId/messages', allowed: VOLUNTEERS, url: (f) => `/volunteer/organizations/${f.orgId}/messages`, body: () => ({ messageBody: '矩阵测试消息' }) },
  { method: 'POST', path: '/volunteer/organizations/:orgId/concerns', allowed: VOLUNTEERS, url: (f) => `/volunteer/organizations/${f.orgId}/concerns`, body: () => ({ concern: '矩阵测试的安全关切报告内容' }) },
  { method: 'GET', path: '/volunteer/opportunities', allowed: VOLUNTEERS, url: () => '/volunteer/opportunities' },
  { method: 'POST', path: '/volunteer/opportunities/:roleId/apply', allowed: VOLUNTEERS, url: () => `/volunteer/opportunities/${NO_SUCH}/apply` },
  { method: 'GET', path: '/volunteer/pairings/:pairingId', allowed: VOLUNTEERS, url: () => `/volunteer/pairings/${NO_SUCH}` },
  { method: 'POST', path: '/volunteer/pairings/:pairingId/check-ins', allowed: VOLUNTEERS, url: () => `/volunteer/pairings/${NO_SUCH}/check-ins`, body: () => ({ occurredOn: '2026-01-05', mode: 'visit', minutes: '60', notes: '矩阵测试' }) },
  { method: 'GET', path: '/volunteer/hours', allowed: VOLUNTEERS, url: () => '/volunteer/hours' },
  { method: 'POST', path: '/volunteer/hours', allowed: VOLUNTEERS, url: () => '/volunteer/hours', body: () => ({ pairingId: NO_SUCH, workedOn: '2026-01-05', hours: '1', task: '矩阵测试' }) },
  { method: 'POST', path: '/volunteer/certificates', allowed: VOLUNTEERS, url: () => '/volunteer/certificates', body: (f) => ({ organizationId: f.orgId }) },
  { method: 'GET', path: '/volunteer/certificates/:certificateId/certificate.pdf', allowed: VOLUNTEERS, url: () => `/volunteer/certificates/${NO_SUCH}/certificate.pdf` },
  { method: 'GET', path: '/certificates', allowed: EVERYONE, url: () => '/certificates' },
  { method: 'GET', path: '/certificates/:code', allowed: EVERYONE, url: () => '/certificates/VC-2345-6789-AB' },
  { method: 'GET', path: '/org/:orgId/volunteers', allowed: VOLUNTEER_COORDINATORS, url: (f) => `/org/${f.orgId}/volunteers` },
  { method: 'GET', path: '/org/:orgId/volunteers/hours', allowed: VOLUNTEER_COORDINATORS, url: (f) => `/org/${f.orgId}/volunteers/hours` },
  { method: 'POST', path: '/org/:orgId/volunteers/hours/:logId/decision', allowed: VOLUNTEER_COORDINATORS, url: (f) => `/org/${f.orgId}/volunteers/hours/${NO_SUCH}/decision`, body: () => ({ decision: 'approve' }) },
  { method: 'GET', path: '/org/:orgId/volunteers/concerns', allowed: ['orgAdmin'], url: (f) => `/org/${f.orgId}/volunteers/concerns` },
  { method: 'POST', path: '/org/:orgId/volunteers/applications/:applicationId/decision', allowed: VOLUNTEER_COORDINATORS, url: (f) => `/org/${f.orgId}/volunteers/applications/${NO_SUCH}/decision`, body: () => ({ decision: 'decline' }) },
  { method: 'GET', path: '/org/:orgId/volunteers/pairings/:pairingId', allowed: VOLUNTEER_COORDINATORS, url: (f) => `/org/${f.orgId}/volunteers/pairings/${NO_SUCH}` },
  // Only caseworkers and supervisors approve pairings and review check-ins (the matrix's orgAdmin is admin only).
  { method: 'POST', path: '/org/:orgId/volunteers/pairings/:pairingId/approve', allowed: ['orgCaseworker'], url: (f) => `/org/${f.orgId}/volunteers/pairings/${NO_SUCH}/approve` },
  { method: 'POST', path: '/org/:orgId/volunteers/pairings/:pairingId/decline', allowed: ['orgCaseworker'], url: (f) => `/org/${f.orgId}/volunteers/pairings/${NO_SUCH}/decline`, body: () => ({ closingNote: '矩阵测试' }) },
  { method: 'POST', path: '/org/:orgId/volunteers/pairings/:pairingId/status', allowed: VOLUNTEER_COORDINATORS, url: (f) => `/org/${f.orgId}/volunteers/pairings/${NO_SUCH}/status`, body: () => ({ action: 'resume' }) },
  { method: 'POST', path: '/org/:orgId/volunteers/pairings/:pairingId/check-ins/:checkInId/review', allowed: ['orgCaseworker'], url: (f) => `/org/${f.orgId}/volunteers/pairings/${NO_SUCH}/check-ins/${NO_SUCH}/review` },
  // The guardian's consent and contacts: recorded by caseworkers and supervisors, read by the child's keepers.
  { method: 'POST', path: '/org/:orgId/volunteers/pairings/:pairingId/consent', allowed: ['orgCaseworker'], url: (f) => `/org/${f.orgId}/volunteers/pairings/${NO_SUCH}/consent`, body: () => ({ guardianName: '矩阵监护人', guardianRelation: 'mother', consentedOn: '2026-01-01', consentMethod: 'verbal' }) },
  { method: 'POST', path: '/org/:orgId/volunteers/pairings/:pairingId/consent/:consentId/withdraw', allowed: ['orgCaseworker'], url: (f) => `/org/${f.orgId}/volunteers/pairings/${NO_SUCH}/consent/${NO_SUCH}/withdraw`, body: () => ({ withdrawnOn: '2026-01-02', withdrawalNote: '矩阵测试' }) },
  { method: 'POST', path: '/org/:orgId/volunteers/pairings/:pairingId/guardian-contacts', allowed: ['orgCaseworker'], url: (f) => `/org/${f.orgId}/volunteers/pairings/${NO_SUCH}/guardian-contacts`, body: () => ({ contactOn: '2026-01-02', contactMode: 'phone', contactNote: '矩阵测试' }) },
  { method: 'GET', path: '/org/:orgId/volunteers/consents/:consentId/form', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/volunteers/consents/${NO_SUCH}/form` },
  { method: 'GET', path: '/org/:orgId/volunteers/needs/:needId/consent', allowed: CHILD_KEEPERS, url: (f) => `/org/${f.orgId}/volunteers/needs/${f.needId}/consent` },
  { method: 'POST', path: '/org/:orgId/volunteers/needs/:needId/consent', allowed: ['orgCaseworker'], url: (f) => `/org/${f.orgId}/volunteers/needs/${NO_SUCH}/consent`, body: () => ({ guardianName: '矩阵监护人', guardianRelation: 'mother', consentedOn: '2026-01-01', consentMethod: 'verbal' }) },
  { method: 'POST', path: '/org/:orgId/volunteers/needs/:needId/consent/:consentId/withdraw', allowed: ['orgCaseworker'], url: (f) => `/org/${f.orgId}/volunteers/needs/${NO_SUCH}/consent/${NO_SUCH}/withdraw`, body: () => ({ withdrawnOn: '2026-01-02', withdrawalNote: '矩阵测试' }) },
  { method: 'GET', path: '/org/:orgId/volunteers/:volunteerId', allowed: VOLUNTEER_COORDINATORS, url: (f) => `/org/${f.orgId}/volunteers/${NO_SUCH}` },
  { method: 'POST', path: '/org/:orgId/volunteers/:volunteerId/vetting', allowed: VOLUNTEER_COORDINATORS, url: (f) => `/org/${f.orgId}/volunteers/${NO_SUCH}/vetting` },
  { method: 'POST', path: '/org/:orgId/volunteers/:volunteerId/pairings', allowed: VOLUNTEER_COORDINATORS, url: (f) => `/org/${f.orgId}/volunteers/${NO_SUCH}/pairings`, body: (f) => ({ needIds: [f.needId], nickname: '小花', roleKind: 'companion' }) },
  { method: 'POST', path: '/org/:orgId/volunteers/:volunteerId/messages', allowed: VOLUNTEER_COORDINATORS, url: (f) => `/org/${f.orgId}/volunteers/${NO_SUCH}/messages`, body: () => ({ messageBody: '矩阵测试消息' }) },
];

let seq = 100;
/** A valid child form with a fresh ID number, so the request reaches the service's authorization. */
function childForm() {
  seq++;
  return { childName: '矩阵儿童', idNumber: makeIdNumber('520324', '20140302', String(seq)), villageCode: '520324101201', childClass: '6', difficultyType: 'economic', riskLevel: '3' };
}

let ctx: TestContext;
let fixture: Fixture;
const emails = {} as Record<Role, string>;

beforeAll(async () => {
  ctx = await startTestApp();
  const db = ctx.database.db;
  const org = await makeOrg(db, { kind: 'charity' });
  const other = await makeOrg(db, { kind: 'charity' });
  const gov = await makeOrg(db, { kind: 'government' });
  const pending = await makeOrg(db, { kind: 'charity', status: 'pending' });
  const admin = await makeMember(db, org.id, ['admin']);
  emails.orgAdmin = admin.email;
  const caseworkerUser = await makeMember(db, org.id, ['caseworker', 'supervisor']);
  emails.orgCaseworker = caseworkerUser.email;
  emails.orgFinance = (await makeMember(db, org.id, ['finance'])).email;
  const staff = await makeMember(db, org.id, ['staff']);
  emails.orgStaff = staff.email;
  emails.otherOrgAdmin = (await makeMember(db, other.id, ['admin'])).email;
  emails.governmentAdmin = (await makeMember(db, gov.id, ['admin'])).email;
  emails.pendingOrgAdmin = (await makeMember(db, pending.id, ['admin'])).email;
  emails.individual = (await makeUser(db, { isVolunteer: true, isDonor: true })).email;
  emails.platformAdmin = (await makeUser(db, { isPlatformAdmin: true })).email;
  const adminActor = (await ctx.services.accounts.loadActor(admin.id))!;
  const { link } = await ctx.services.organizations.invite(adminActor, org.id, { email: 'invitee@example.cn', roles: ['staff'] }, (k) => k);
  const invitationToken = link.split('/').pop()!;
  const preview = await ctx.services.organizations.invitationPreview(invitationToken);
  const caseworker = (await ctx.services.accounts.loadActor(caseworkerUser.id))!;
  const child = await ctx.services.children.create(caseworker, org.id, ctx.services.children.childFromForm({ childName: '矩阵测试', idNumber: makeIdNumber('520324', '20150601', '021'), villageCode: '520324101201', childClass: 6, difficultyType: 'guardianship', riskLevel: 3, ethnicity: null, guardianName: null, guardianRelation: null, guardianPhone: null, residence: null, school: null, notes: null }, (k) => k), (k) => k);
  const need = await ctx.services.needs.create(caseworker, org.id, child.id, { needKind: 'tutoring', needDescription: '需要每周一次课业辅导。', urgency: 2, amount: null, quantity: null, startOn: null, endOn: null });
  const importId = await ctx.services.roster.startImport(caseworker, org.id, { buffer: await buildRosterTemplate(), filename: 'template.xlsx' }, (k) => k);
  await ctx.services.roster.waitForImport(importId);
  const help = await helpFixture(ctx, { orgId: org.id, admin: adminActor, caseworker });
  fixture = { ...help, importId, childId: child.id, needId: need.id, orgId: org.id, pendingOrgId: pending.id, invitationId: preview.id, invitationToken, staffUserId: staff.id };
});
afterAll(() => ctx.close());

it('lists every served route in the matrix, and nothing else', () => {
  const served = servedRoutes(ctx.app).sort();
  const listed = MATRIX.map((r) => `${r.method} ${r.path}`).sort();
  expect(served).toEqual(listed);
});

describe.each(ROLES)('as %s', (role) => {
  let browser: Browser;
  beforeAll(async () => {
    browser = new Browser(ctx.app, { 'X-Forwarded-For': `192.0.2.${ROLES.indexOf(role) + 1}` });
    if (role !== 'anonymous') await browser.logIn(emails[role], PASSWORD);
  });

  it.each(MATRIX.filter((r) => r.path !== '/logout'))('$method $path', async (row) => {
    const url = row.url(fixture);
    const res = row.method === 'GET' ? await browser.get(url) : await browser.post(url, row.body?.(fixture) ?? {});
    const refused = res.status === 401 || res.status === 403 || (res.status === 303 && String(res.headers.location).startsWith('/login'));
    expect({ role, route: `${row.method} ${row.path}`, gotIn: !refused, status: res.status }).toEqual({ role, route: `${row.method} ${row.path}`, gotIn: row.allowed.includes(role), status: res.status });
  });

  it('POST /logout', async () => {
    const res = await browser.post('/logout');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
  });
});
