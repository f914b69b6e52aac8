import express, { Router, type Request } from 'express';
import type { Services } from '../services';
import { uploadedFiles } from '../evidence/evidence.upload';
import { NotFoundError } from '../lib/errors';
import { flash, form, uuidParam } from '../lib/http';
import { parseInput } from '../lib/validate';
import { donateSchema, offlineGiftSchema, refundSchema } from './donations.schemas';

const optionalId = (v: unknown): string | null => (typeof v === 'string' && /^[0-9a-f-]{36}$/i.test(v) ? v.toLowerCase() : null);
const orgIdOf = (req: Request) => /^\/org\/([^/?#]+)/.exec(req.originalUrl)?.[1] ?? '';

/**
 * The payment provider's webhook: raw body (the signature covers the exact bytes), no session, no
 * cookies, no CSRF — mounted in app.ts before those. This one path is all that skips CSRF; the
 * provider's signature is what authenticates it.
 */
export function paymentWebhookRouter(services: Services) {
  const r = Router();
  r.post('/webhooks/stripe', express.raw({ type: () => true, limit: '1mb' }), async (req, res) => {
    const outcome = await services.donations.processWebhook(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0), req.get('stripe-signature'));
    res.json({ received: true, outcome });
  });
  return r;
}

export function donationsRouter(services: Services) {
  const r = Router();
  const { donations, funds } = services;

  const donatePage = async (req: Request) => {
    const source = req.method === 'GET' ? req.query : (req.body as Record<string, unknown>);
    const organizationId = optionalId(source.organization ?? source.organizationId);
    if (!organizationId) throw new NotFoundError('organization');
    const target = await donations.donationTarget(organizationId, optionalId(source.project ?? source.projectId));
    return { title: req.t('donations.form.title'), ...target, supports: donations.supports, canceled: req.query.canceled === '1' };
  };

  r.get('/donate', async (req, res) => {
    const locals = await donatePage(req);
    res.render('donations/donate', { ...locals, values: { giftAmount: '100', frequency: 'one_off', projectId: locals.project?.id ?? '' } });
  });
  r.post('/donate', form('donations/donate', donatePage), async (req, res) => {
    const input = parseInput(donateSchema, req.body, req.t);
    const { redirectUrl } = await donations.donate(req.viewer, input, req.locale);
    res.redirect(303, redirectUrl);
  });

  r.get('/donations/:receiptCode', async (req, res) => {
    const receipt = await funds.giftReceipt(String(req.params.receiptCode));
    res.set('Cache-Control', 'no-store').set('Referrer-Policy', 'no-referrer');
    res.render('donations/receipt', { title: req.t('donations.receipt.title'), ...receipt, fromCheckout: req.query.from === 'checkout' });
  });

  r.get('/account/gifts', async (req, res) => {
    const gifts = await funds.donorGifts(req.viewer);
    res.render('donations/history', { title: req.t('donations.history.title'), gifts });
  });

  const giftsPage = async (req: Request) => {
    const orgId = orgIdOf(req);
    const [list, target] = await Promise.all([donations.forOrganization(req.viewer, orgId), donations.donationTarget(orgId, null, { forFinance: true })]);
    return { title: req.t('donations.finance.title'), orgId, gifts: list, ...target, supports: donations.supports };
  };
  const giftsForm = form('donations/finance', giftsPage);

  r.get('/org/:orgId/gifts', async (req, res) => {
    uuidParam(req, 'orgId');
    res.render('donations/finance', { ...(await giftsPage(req)), values: { method: 'bank_transfer' } });
  });
  r.post('/org/:orgId/gifts', giftsForm, async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const input = parseInput(offlineGiftSchema, req.body, req.t);
    const gift = await donations.recordOffline(req.viewer, orgId, input, uploadedFiles(req.files), req.t);
    flash(req, 'success', 'donations.offline.recorded', { number: gift.receiptNumber ?? '' });
    res.redirect(303, `/org/${orgId}/gifts`);
  });
  r.post('/org/:orgId/gifts/:donationId/refund', giftsForm, async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const input = parseInput(refundSchema, req.body, req.t);
    const { settled } = await donations.refund(req.viewer, orgId, uuidParam(req, 'donationId'), input, req.t);
    flash(req, 'success', settled ? 'donations.refund.done' : 'donations.refund.pending');
    res.redirect(303, `/org/${orgId}/gifts`);
  });

  return r;
}
