import crypto from 'node:crypto';
import { and, asc, desc, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Database, Tx } from '../db/client';
import { donations, paymentEvents } from '../db/schema';
import type { AccountsService } from '../accounts/accounts.service';
import type { AuditService } from '../audit/audit.service';
import type { EvidenceService, UploadedFile } from '../evidence/evidence.service';
import { refuseIfLocked, type DisclosureLockout } from '../funds/disclosure-lockout';
import { isPublicProject, takesGifts, type FundedProject, type ProjectDirectory } from '../funds/project-directory';
import { fundRef, type LedgerService } from '../ledger/ledger.service';
import type { LineRange, PlacedGift } from '../ledger/ledger.rules';
import { requireOrgRole, requireSignedIn, type Viewer } from '../lib/authorization';
import { ConflictError, NotFoundError, RuleViolationError } from '../lib/errors';
import type { Locale, Translate } from '../lib/i18n';
import type { Logger } from '../lib/logger';
import type { OrganizationsService, PublicOrganization } from '../organizations/organizations.service';
import type { PaymentEvent, PaymentProvider } from '../payments/payment-provider';
import {
  RECEIVED_STATUSES,
  canReceiveGifts,
  disputeTransaction,
  giftTransaction,
  refundPlan,
  refundTransaction,
  statusAfterRefund,
  type GiftChannel,
  type GiftStatus,
} from './donations.rules';
import type { DonateInput, OfflineGiftInput } from './donations.schemas';

export interface DonationsDeps {
  db: Database;
  ledger: LedgerService;
  provider: PaymentProvider;
  projects: ProjectDirectory;
  organizations: OrganizationsService;
  evidence: EvidenceService;
  audit: AuditService;
  accounts: AccountsService;
  logger: Logger;
  baseUrl: string;
  /** Projects locked out of new gifts for an overdue disclosure (funds/disclosure-lockout.ts). */
  lockout: Pick<DisclosureLockout, 'lockouts' | 'lockoutOf'>;
  now?: () => Date;
  /** Told (after commit) that a project's fund received a gift: its open pages update live. */
  projectGiftReceived?: (projectId: string) => Promise<void>;
}

/** Who handles an organization's money: records offline gifts, refunds, reads the gift list. */
export const FINANCE_ROLES = ['finance', 'admin'] as const;

type GiftRow = typeof donations.$inferSelect;

/** A gift as the public (receipt, reports) may see it: the donor's name only when they chose to show it. */
export interface PublicGift {
  id: string;
  receiptCode: string;
  organizationId: string;
  projectId: string | null;
  donorName: string | null;
  anonymous: boolean;
  publicMessage: string | null;
  amountFen: number;
  refundedFen: number;
  disputedFen: number;
  frequency: string;
  channel: string;
  method: string | null;
  status: string;
  receiptNumber: string | null;
  receivedAt: Date | null;
  createdAt: Date;
}

/** A gift as the allocation of gifts to spending reads it. */
export interface GiftForAllocation {
  id: string;
  projectId: string | null;
  receivedAt: Date;
  amountFen: number;
  /** Refunded and disputed fen: money that left the fund again and pays for nothing. */
  refundedFen: number;
}

const publicGift = (g: GiftRow): PublicGift => ({
  id: g.id,
  receiptCode: g.receiptCode,
  organizationId: g.organizationId,
  projectId: g.projectId,
  donorName: g.anonymous ? null : g.displayName,
  anonymous: g.anonymous,
  publicMessage: g.publicMessage,
  amountFen: g.amountFen,
  refundedFen: g.refundedFen,
  disputedFen: g.disputedFen,
  frequency: g.frequency,
  channel: g.channel,
  method: g.method,
  status: g.status,
  receiptNumber: g.receiptNumber,
  receivedAt: g.receivedAt,
  createdAt: g.createdAt,
});

/** 144 random bits, URL-safe: the receipt link is the donor's only key to an anonymous gift. */
const newReceiptCode = () => crypto.randomBytes(18).toString('base64url');

/** The received gifts of one fund (a project, or the general fund for null): what allocation reads. */
const receivedInFund = (organizationId: string, projectId: string | null) =>
  and(eq(donations.organizationId, organizationId), projectId === null ? isNull(donations.projectId) : eq(donations.projectId, projectId), inArray(donations.status, [...RECEIVED_STATUSES]));
/** What a gift put into its fund and kept: neither refunded nor disputed. */
const KEPT = sql`(${donations.amountFen} - ${donations.refundedFen} - ${donations.disputedFen})`;

/**
 * Gifts: a donor gives to a project (restricted) or an organization (unrestricted), one-off or
 * monthly, through the payment provider — or as a pledge when none is configured; finance records
 * offline gifts with evidence. Money entering or leaving a fund is posted to the ledger in the same
 * transaction as the gift's change, and every provider event is applied exactly once.
 */
export class DonationsService {
  private readonly now: () => Date;
  constructor(private readonly deps: DonationsDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /** What the payment provider supports (the form offers only that). */
  get supports() {
    return this.deps.provider.supports;
  }

  /** The organization (and project) a gift would go to, with the organization's projects to choose from; refuses organizations that cannot receive gifts. */
  async donationTarget(organizationId: string, projectId: string | null, opts: { forFinance?: boolean } = {}): Promise<{ organization: PublicOrganization; project: FundedProject | null; projects: FundedProject[] }> {
    const organization = await this.deps.organizations.publicProfile(organizationId);
    if (!canReceiveGifts({ kind: organization.kind, status: 'verified' })) throw new RuleViolationError('donations.cannot_receive');
    // Donors choose among projects taking gifts; finance records money for any public project, closed ones included.
    const usable = opts.forFinance ? isPublicProject : takesGifts;
    let projects = (await this.deps.projects.forOrganization(organizationId)).filter(usable);
    let project: FundedProject | null = null;
    if (projectId) {
      project = (await this.deps.projects.find([projectId])).get(projectId) ?? null;
      if (!project || project.organizationId !== organizationId || !isPublicProject(project)) throw new NotFoundError('project');
      if (!usable(project)) throw new RuleViolationError('donations.project_closed');
    }
    // A project late with its disclosure is neither offered to donors nor given to (finance still sees it, to disclose).
    if (!opts.forFinance) {
      const locked = await this.deps.lockout.lockouts(project ? [...projects, project] : projects);
      projects = projects.filter((p) => !locked.has(p.id));
      if (project) refuseIfLocked(locked.get(project.id));
    }
    return { organization, project, projects };
  }

  /**
   * Starts a gift. With a payment provider: a pending gift and a hosted checkout to send the donor
   * to; the gift succeeds when the provider's webhook says it was paid. Without one: a pledge.
   */
  async donate(viewer: Viewer, input: DonateInput, locale: Locale): Promise<{ redirectUrl: string; receiptCode: string }> {
    const { organization, project } = await this.donationTarget(input.organizationId, input.projectId);
    const { supports } = this.deps.provider;
    if (input.frequency === 'monthly' && supports.recurringMethods.length === 0) throw new RuleViolationError('donations.monthly_unavailable');
    const receiptCode = newReceiptCode();
    const displayName = input.displayName ?? viewer?.displayName ?? null;
    const [gift] = await this.deps.db
      .insert(donations)
      .values({
        organizationId: organization.id,
        projectId: project?.id ?? null,
        donorUserId: viewer?.userId ?? null,
        displayName: displayName ?? '',
        // Without a name to show, the gift shows as anonymous.
        anonymous: input.anonymous || !displayName,
        publicMessage: input.publicMessage,
        amountFen: input.giftAmount,
        frequency: input.frequency,
        channel: supports.checkout ? 'stripe' : 'pledge',
        status: supports.checkout ? 'pending' : 'pledged',
        receiptCode,
      })
      .returning();
    const receiptUrl = `/donations/${receiptCode}`;
    if (!supports.checkout) return { redirectUrl: receiptUrl, receiptCode };
    try {
      const back = new URLSearchParams({ organization: organization.id, ...(project ? { project: project.id } : {}), canceled: '1' });
      const session = await this.deps.provider.createCheckout({
        donationId: gift.id,
        amountFen: gift.amountFen,
        frequency: input.frequency,
        description: project ? `${organization.name} · ${project.title}` : organization.name,
        donorEmail: viewer?.email ?? null,
        locale,
        successUrl: `${this.deps.baseUrl}${receiptUrl}?from=checkout`,
        cancelUrl: `${this.deps.baseUrl}/donate?${back.toString()}`,
      });
      await this.deps.db.update(donations).set({ stripeCheckoutSessionId: session.id, updatedAt: this.now() }).where(eq(donations.id, gift.id));
      return { redirectUrl: session.url, receiptCode };
    } catch (err) {
      await this.deps.db.update(donations).set({ status: 'failed', updatedAt: this.now() }).where(and(eq(donations.id, gift.id), eq(donations.status, 'pending')));
      throw err;
    }
  }

  /** Finance records a gift received by bank transfer or in cash, with the organization's receipt number and evidence; it is posted at once. */
  async recordOffline(viewer: Viewer, organizationId: string, input: OfflineGiftInput, files: UploadedFile[], t: Translate): Promise<PublicGift> {
    const { actor } = requireOrgRole(viewer, organizationId, ['finance']);
    const { project } = await this.donationTarget(organizationId, input.projectId, { forFinance: true });
    if (project) refuseIfLocked(await this.deps.lockout.lockoutOf(project));
    this.deps.evidence.check(files, t);
    const receivedAt = chinaDayStart(input.receivedOn);
    if (receivedAt.getTime() > this.now().getTime()) throw new RuleViolationError('donations.received_in_future');
    const recorded = await this.deps.db.transaction(async (tx) => {
      const [file] = await this.deps.evidence.store(tx, organizationId, actor.userId, files);
      const [gift] = await tx
        .insert(donations)
        .values({
          organizationId,
          projectId: input.projectId,
          displayName: input.displayName,
          anonymous: input.anonymous,
          publicMessage: input.publicMessage,
          amountFen: input.giftAmount,
          channel: 'offline',
          method: input.method,
          status: 'succeeded',
          receiptCode: newReceiptCode(),
          receiptNumber: input.receiptNumber,
          evidenceFileId: file.id,
          recordedBy: actor.userId,
          receivedAt,
        })
        .onConflictDoNothing({ target: [donations.organizationId, donations.receiptNumber] })
        .returning();
      if (!gift) throw new ConflictError('donations.receipt_number.taken', { number: input.receiptNumber });
      await this.deps.ledger.post(tx, giftTransaction({ ...gift, channel: 'offline', receivedAt }, fundRef(organizationId, gift.projectId)));
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'gift.record_offline', subjectType: 'donation', subjectId: gift.id, detail: { amountFen: gift.amountFen, receiptNumber: gift.receiptNumber } }, tx);
      return publicGift(gift);
    });
    if (recorded.projectId) await this.deps.projectGiftReceived?.(recorded.projectId);
    return recorded;
  }

  /** Verifies and applies one payment-provider webhook; returns what processing did (a replay: 'duplicate'). */
  async processWebhook(rawBody: Buffer, signature: string | undefined): Promise<string> {
    return this.applyPaymentEvent(this.deps.provider.parseWebhook(rawBody, signature));
  }

  /**
   * Applies a provider event exactly once: its id is stored in the same transaction as its effect,
   * so a replay finds the id and changes nothing, and a crash before commit leaves the id unstored
   * for the provider's retry. An event that arrives before the one it depends on (a refund before
   * the payment) throws ConflictError, rolls back and is retried by the provider later.
   */
  async applyPaymentEvent(event: PaymentEvent): Promise<string> {
    let receivedBy = null as string | null;
    const result = await this.deps.db.transaction(async (tx) => {
      const fresh = await tx.insert(paymentEvents).values({ eventId: event.eventId, provider: this.deps.provider.name, type: event.eventType, outcome: 'processing' }).onConflictDoNothing().returning({ eventId: paymentEvents.eventId });
      if (fresh.length === 0) return 'duplicate';
      // The append lock first, always: every path below may change a gift and then append, and one lock order means no deadlock.
      if (event.type !== 'ignored') await this.deps.ledger.lock(tx);
      const { outcome, donationId } = await this.apply(tx, event);
      await tx.update(paymentEvents).set({ outcome, donationId }).where(eq(paymentEvents.eventId, event.eventId));
      if (outcome === 'received') receivedBy = donationId;
      return outcome;
    });
    if (receivedBy && this.deps.projectGiftReceived) {
      const [gift] = await this.deps.db.select({ projectId: donations.projectId }).from(donations).where(eq(donations.id, receivedBy));
      if (gift?.projectId) await this.deps.projectGiftReceived(gift.projectId);
    }
    return result;
  }

  private async apply(tx: Tx, event: PaymentEvent): Promise<{ outcome: string; donationId: string | null }> {
    switch (event.type) {
      case 'checkout_paid': {
        const gift = await this.lockGift(tx, eq(donations.id, event.donationId));
        if (!gift) return { outcome: 'unknown_gift', donationId: null };
        if (gift.status !== 'pending') return { outcome: 'already_applied', donationId: gift.id };
        await this.receive(tx, gift, { amountFen: event.amountFen, receivedAt: event.occurredAt, paymentId: event.paymentId, sessionId: event.sessionId, method: event.method });
        return { outcome: 'received', donationId: gift.id };
      }
      case 'checkout_subscribed': {
        const [gift] = await tx.update(donations).set({ stripeSubscriptionId: event.subscriptionId, stripeCheckoutSessionId: event.sessionId, updatedAt: this.now() }).where(eq(donations.id, event.donationId)).returning({ id: donations.id });
        return { outcome: gift ? 'subscribed' : 'unknown_gift', donationId: gift?.id ?? null };
      }
      case 'checkout_failed': {
        const status: GiftStatus = event.reason === 'expired' ? 'expired' : 'failed';
        const [gift] = await tx.update(donations).set({ status, updatedAt: this.now() }).where(and(eq(donations.id, event.donationId), eq(donations.status, 'pending'))).returning({ id: donations.id });
        return { outcome: gift ? status : 'not_pending', donationId: gift?.id ?? event.donationId };
      }
      case 'installment_paid':
        return this.applyInstallment(tx, event);
      case 'refund_succeeded':
        return this.applyRefund(tx, event);
      case 'dispute_opened': {
        if ((await this.deps.ledger.findByReference(tx, event.disputeId, 'dispute')).length > 0) return { outcome: 'already_applied', donationId: null };
        const gift = await this.paidGift(tx, event.paymentId);
        const amountFen = Math.min(event.amountFen, gift.amountFen - gift.refundedFen - gift.disputedFen);
        if (amountFen <= 0) return { outcome: 'nothing_left', donationId: gift.id };
        await this.deps.ledger.post(tx, disputeTransaction({ disputeId: event.disputeId, amountFen, occurredAt: event.occurredAt }, fundRef(gift.organizationId, gift.projectId)));
        await tx.update(donations).set({ disputedFen: gift.disputedFen + amountFen, updatedAt: this.now() }).where(eq(donations.id, gift.id));
        return { outcome: 'disputed', donationId: gift.id };
      }
      case 'dispute_closed': {
        const gift = await this.paidGift(tx, event.paymentId);
        if (!event.won) return { outcome: 'dispute_lost', donationId: gift.id };
        const [opened] = await this.deps.ledger.findByReference(tx, event.disputeId, 'dispute');
        if (!opened) throw new ConflictError('donations.webhook.not_ready');
        if (await this.deps.ledger.isReversed(tx, opened.id)) return { outcome: 'already_applied', donationId: gift.id };
        await this.deps.ledger.reverse(tx, opened.id, { occurredAt: event.occurredAt, memo: '拒付撤销，资金退回' });
        const amountFen = opened.postings.find((p) => p.amountFen > 0)!.amountFen;
        await tx.update(donations).set({ disputedFen: Math.max(0, gift.disputedFen - amountFen), updatedAt: this.now() }).where(eq(donations.id, gift.id));
        return { outcome: 'dispute_won', donationId: gift.id };
      }
      case 'subscription_ended': {
        const ended = await tx
          .update(donations)
          .set({ status: 'canceled', updatedAt: this.now() })
          .where(and(eq(donations.stripeSubscriptionId, event.subscriptionId), eq(donations.status, 'pending')))
          .returning({ id: donations.id });
        return { outcome: 'subscription_ended', donationId: ended[0]?.id ?? null };
      }
      case 'ignored':
        return { outcome: 'ignored', donationId: null };
    }
  }

  /** One month of a monthly gift: the first month completes the gift the donor started, later months are gifts of their own. */
  private async applyInstallment(tx: Tx, event: Extract<PaymentEvent, { type: 'installment_paid' }>): Promise<{ outcome: string; donationId: string | null }> {
    const [known] = await tx.select({ id: donations.id }).from(donations).where(eq(donations.stripeInvoiceId, event.invoiceId));
    if (known) return { outcome: 'already_applied', donationId: known.id };
    const first = await this.lockGift(tx, eq(donations.id, event.donationId));
    if (!first) return { outcome: 'unknown_gift', donationId: null };
    const paid = { amountFen: event.amountFen, receivedAt: event.occurredAt, paymentId: event.paymentId, method: 'card' as const, invoiceId: event.invoiceId, subscriptionId: event.subscriptionId };
    if (first.status === 'pending' && first.stripeInvoiceId === null) {
      await this.receive(tx, first, paid);
      return { outcome: 'received', donationId: first.id };
    }
    const [month] = await tx
      .insert(donations)
      .values({
        organizationId: first.organizationId,
        projectId: first.projectId,
        donorUserId: first.donorUserId,
        displayName: first.displayName,
        anonymous: first.anonymous,
        publicMessage: first.publicMessage,
        amountFen: event.amountFen,
        frequency: 'monthly',
        channel: 'stripe',
        status: 'pending',
        recurringOf: first.recurringOf ?? first.id,
        receiptCode: newReceiptCode(),
      })
      .returning();
    await this.receive(tx, month, paid);
    return { outcome: 'received', donationId: month.id };
  }

  /** Money back to the donor: a full refund reverses the gift's transaction, a partial one is a refund transaction. */
  private async applyRefund(tx: Tx, refund: { refundId: string; paymentId: string; amountFen: number; occurredAt: Date }): Promise<{ outcome: string; donationId: string | null }> {
    if ((await this.deps.ledger.findByReference(tx, refund.refundId, 'refund')).length > 0) return { outcome: 'already_applied', donationId: null };
    const gift = await this.paidGift(tx, refund.paymentId);
    const plan = refundPlan(gift, refund.amountFen);
    if (plan.kind === 'exceeds') {
      // A second event about a refund already applied in full (or more than was given): nothing left to move.
      this.deps.logger.warn('refund not applied: exceeds what is left of the gift', { donationId: gift.id, refundId: refund.refundId, amountFen: refund.amountFen });
      return { outcome: 'exceeds_gift', donationId: gift.id };
    }
    if (plan.kind === 'reverse') {
      const [original] = await this.deps.ledger.findByReference(tx, gift.id, 'donation');
      await this.deps.ledger.reverse(tx, original.id, { occurredAt: refund.occurredAt, memo: '全额退还捐赠' });
    } else {
      await this.deps.ledger.post(tx, refundTransaction(refund, fundRef(gift.organizationId, gift.projectId)));
    }
    const refundedFen = gift.refundedFen + refund.amountFen;
    await tx.update(donations).set({ refundedFen, status: statusAfterRefund(gift, refundedFen + gift.disputedFen), updatedAt: this.now() }).where(eq(donations.id, gift.id));
    return { outcome: plan.kind === 'reverse' ? 'refunded_in_full' : 'refunded_in_part', donationId: gift.id };
  }

  /** A pending gift becomes received: its status and payment details change and its donation transaction is posted, together. */
  private async receive(
    tx: Tx,
    gift: GiftRow,
    paid: { amountFen: number; receivedAt: Date; paymentId: string | null; method: string | null; sessionId?: string; invoiceId?: string; subscriptionId?: string },
  ): Promise<void> {
    if (paid.amountFen !== gift.amountFen) this.deps.logger.warn('paid amount differs from the gift; the paid amount is recorded', { donationId: gift.id, giftFen: gift.amountFen, paidFen: paid.amountFen });
    await tx
      .update(donations)
      .set({
        status: 'succeeded',
        amountFen: paid.amountFen,
        receivedAt: paid.receivedAt,
        method: paid.method,
        stripePaymentIntentId: paid.paymentId,
        ...(paid.sessionId ? { stripeCheckoutSessionId: paid.sessionId } : {}),
        ...(paid.invoiceId ? { stripeInvoiceId: paid.invoiceId } : {}),
        ...(paid.subscriptionId ? { stripeSubscriptionId: paid.subscriptionId } : {}),
        updatedAt: this.now(),
      })
      .where(eq(donations.id, gift.id));
    await this.deps.ledger.post(tx, giftTransaction({ id: gift.id, amountFen: paid.amountFen, receivedAt: paid.receivedAt, channel: gift.channel as GiftChannel, method: paid.method }, fundRef(gift.organizationId, gift.projectId)));
  }

  private async lockGift(tx: Tx, where: ReturnType<typeof eq>): Promise<GiftRow | undefined> {
    const [gift] = await tx.select().from(donations).where(where).for('update');
    return gift;
  }

  /** The received gift a payment id belongs to; not yet known means the payment's own event has not arrived: retry later. */
  private async paidGift(tx: Tx, paymentId: string): Promise<GiftRow> {
    const gift = await this.lockGift(tx, eq(donations.stripePaymentIntentId, paymentId));
    if (!gift || !RECEIVED_STATUSES.includes(gift.status as GiftStatus)) throw new ConflictError('donations.webhook.not_ready');
    return gift;
  }

  /** Finance refunds part or all of an online gift (password asked again); the ledger moves when the provider confirms the refund. */
  async refund(viewer: Viewer, organizationId: string, donationId: string, input: { refundAmount?: number; password: string }, t: Translate): Promise<{ amountFen: number; settled: boolean }> {
    const { actor } = requireOrgRole(viewer, organizationId, FINANCE_ROLES);
    await this.deps.accounts.reauthenticate(actor, input.password, t);
    const [gift] = await this.deps.db.select().from(donations).where(and(eq(donations.id, donationId), eq(donations.organizationId, organizationId)));
    if (!gift) throw new NotFoundError('donation');
    if (gift.channel !== 'stripe' || !gift.stripePaymentIntentId || !RECEIVED_STATUSES.includes(gift.status as GiftStatus)) throw new RuleViolationError('donations.refund.not_online');
    const left = gift.amountFen - gift.refundedFen - gift.disputedFen;
    const amountFen = input.refundAmount ?? left;
    if (amountFen <= 0 || amountFen > left) throw new RuleViolationError('donations.refund.too_much', { left: left / 100 });
    const refund = await this.deps.provider.refund(gift.stripePaymentIntentId, amountFen, `refund-${gift.id}-${gift.refundedFen}-${amountFen}`);
    await this.deps.db.transaction(async (tx) => {
      await this.deps.ledger.lock(tx);
      if (refund.succeeded) await this.applyRefund(tx, { refundId: refund.refundId, paymentId: gift.stripePaymentIntentId!, amountFen: refund.amountFen, occurredAt: this.now() });
      await this.deps.audit.record({ actorUserId: actor.userId, organizationId, action: 'gift.refund', subjectType: 'donation', subjectId: gift.id, detail: { amountFen, refundId: refund.refundId, settled: refund.succeeded } }, tx);
    });
    return { amountFen, settled: refund.succeeded };
  }

  /** A gift by its receipt code, for its public receipt page. */
  async byReceiptCode(receiptCode: string): Promise<PublicGift> {
    if (!/^[A-Za-z0-9_-]{16,64}$/.test(receiptCode)) throw new NotFoundError('donation');
    const [gift] = await this.deps.db.select().from(donations).where(eq(donations.receiptCode, receiptCode));
    if (!gift) throw new NotFoundError('donation');
    return publicGift(gift);
  }

  /** The signed-in donor's own gifts, newest first. */
  async history(viewer: Viewer): Promise<PublicGift[]> {
    const actor = requireSignedIn(viewer);
    const rows = await this.deps.db.select().from(donations).where(eq(donations.donorUserId, actor.userId)).orderBy(desc(donations.createdAt)).limit(200);
    return rows.map(publicGift);
  }

  /** An organization's gifts for its finance and admins, newest first, with the payment details they reconcile against. */
  async forOrganization(viewer: Viewer, organizationId: string, limit = 100) {
    requireOrgRole(viewer, organizationId, FINANCE_ROLES);
    const rows = await this.deps.db.select().from(donations).where(eq(donations.organizationId, organizationId)).orderBy(desc(donations.createdAt)).limit(limit);
    return rows.map((g) => ({ ...publicGift(g), displayName: g.displayName, refundable: g.channel === 'stripe' && RECEIVED_STATUSES.includes(g.status as GiftStatus) && g.amountFen > g.refundedFen + g.disputedFen }));
  }

  /** Recent received gifts of a fund for public pages: names only where donors chose to show them. */
  async recentPublic(organizationId: string, projectId: string | null | undefined, limit = 10): Promise<PublicGift[]> {
    const where = [eq(donations.organizationId, organizationId), inArray(donations.status, [...RECEIVED_STATUSES])];
    if (projectId !== undefined) where.push(projectId === null ? isNull(donations.projectId) : eq(donations.projectId, projectId));
    const rows = await this.deps.db.select().from(donations).where(and(...where)).orderBy(desc(donations.receivedAt)).limit(limit);
    return rows.map(publicGift);
  }

  /** Every received gift of one fund (a project, or the general fund for null), oldest first, as allocation reads them. */
  async giftsForAllocation(organizationId: string, projectId: string | null): Promise<GiftForAllocation[]> {
    const rows = await this.deps.db
      .select({ id: donations.id, projectId: donations.projectId, receivedAt: donations.receivedAt, amountFen: donations.amountFen, refundedFen: sql<number>`(${donations.refundedFen} + ${donations.disputedFen})::bigint` })
      .from(donations)
      .where(receivedInFund(organizationId, projectId))
      .orderBy(asc(donations.receivedAt), asc(donations.id));
    return rows.map((r) => ({ id: r.id, projectId: r.projectId, receivedAt: r.receivedAt!, amountFen: r.amountFen, refundedFen: Number(r.refundedFen) }));
  }

  /**
   * What the fund's gifts received before this one (in allocation order: received time, then id)
   * put into it and kept: the start of this gift's place in the fund's first-in first-out queue.
   */
  async keptBefore(gift: { id: string; organizationId: string; projectId: string | null; receivedAt: Date }): Promise<number> {
    const [row] = await this.deps.db
      .select({ kept: sql<string | null>`sum(${KEPT})` })
      .from(donations)
      .where(and(receivedInFund(gift.organizationId, gift.projectId), sql`(${donations.receivedAt}, ${donations.id}) < (${gift.receivedAt.toISOString()}::timestamptz, ${gift.id}::uuid)`));
    return Number(row?.kept ?? 0);
  }

  /**
   * The fund's received gifts whose kept fen cover part of any of the given stretches of its line
   * (allocation order: received time, then id), each with where it starts on the line: what
   * `condensedGiftLine` needs to fund a few expenditures without reading every gift of the fund.
   */
  async giftsReaching(organizationId: string, projectId: string | null, stretches: readonly LineRange[]): Promise<PlacedGift[]> {
    if (stretches.length === 0) return [];
    // The stretches go as two arrays of integers, so any number of them is one parameter each.
    const result = (await this.deps.db.execute(sql`
      with line as (
        select id, received_at, amount_fen, refunded_fen + disputed_fen as gone, ${KEPT} as kept,
          sum(${KEPT}) over (order by received_at, id) as upto
        from ${donations}
        where ${receivedInFund(organizationId, projectId)}
      )
      select id, received_at, amount_fen, gone::bigint as refunded_fen, (upto - kept)::bigint as start_fen
      from line
      where kept > 0 and exists (
        select 1 from unnest(${`{${stretches.map((r) => r.fromFen).join(',')}}`}::bigint[], ${`{${stretches.map((r) => r.toFen).join(',')}}`}::bigint[]) as r(lo, hi)
        where line.upto - line.kept < r.hi and line.upto > r.lo)
      order by upto`)) as unknown as { rows: Array<Record<string, unknown>> };
    return result.rows.map((r) => ({ id: String(r.id), projectId, receivedAt: r.received_at instanceof Date ? r.received_at : new Date(String(r.received_at)), amountFen: Number(r.amount_fen), refundedFen: Number(r.refunded_fen), startFen: Number(r.start_fen) }));
  }

  /** How many gifts a fund (or a whole organization, projectId undefined) received: for reports. */
  async countReceived(organizationId: string, projectId: string | null | undefined): Promise<{ gifts: number }> {
    const where = [eq(donations.organizationId, organizationId), inArray(donations.status, [...RECEIVED_STATUSES])];
    if (projectId !== undefined) where.push(projectId === null ? isNull(donations.projectId) : eq(donations.projectId, projectId));
    const [row] = await this.deps.db.select({ gifts: sql<number>`count(*)::int` }).from(donations).where(and(...where));
    return { gifts: Number(row.gifts) };
  }
}

/** Midnight, China time, of a calendar day written YYYY-MM-DD. */
export function chinaDayStart(day: string): Date {
  return new Date(`${day}T00:00:00+08:00`);
}
