import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';

/**
 * A stand-in for the few Stripe API endpoints CareBridge calls, on 127.0.0.1, so the real SDK
 * runs end to end without the network. It records each request (path and decoded form body).
 */
export interface StripeStandIn {
  url: string;
  requests: Array<{ method: string; path: string; body: Record<string, string>; idempotencyKey: string | undefined }>;
  /** Make the next refunds answer with this status. */
  refundStatus: 'succeeded' | 'pending';
  close(): Promise<void>;
}

export const TEST_SECRET_KEY = 'sk_test_carebridge_standin';
export const TEST_WEBHOOK_SECRET = 'whsec_carebridge_standin_secret';

export async function startStripeStandIn(): Promise<StripeStandIn> {
  let n = 0;
  const state: Omit<StripeStandIn, 'url' | 'close'> = { requests: [], refundStatus: 'succeeded' };
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const body = Object.fromEntries(new URLSearchParams(raw));
      const path = (req.url ?? '').split('?')[0];
      state.requests.push({ method: req.method ?? '', path, body, idempotencyKey: req.headers['idempotency-key'] as string | undefined });
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req_${++n}` });
        res.end(JSON.stringify(json));
      };
      if (req.headers.authorization !== `Bearer ${TEST_SECRET_KEY}`) return send(401, { error: { type: 'authentication_error', message: 'bad key' } });
      if (req.method === 'POST' && path === '/v1/checkout/sessions') {
        const id = `cs_test_${++n}`;
        return send(200, { id, object: 'checkout.session', url: `https://checkout.stripe.com/c/pay/${id}`, mode: body.mode, client_reference_id: body.client_reference_id, metadata: { donationId: body['metadata[donationId]'] }, amount_total: Number(body['line_items[0][price_data][unit_amount]']), currency: body['line_items[0][price_data][currency]'] });
      }
      if (req.method === 'POST' && path === '/v1/refunds') {
        return send(200, { id: `re_test_${++n}`, object: 'refund', amount: Number(body.amount), payment_intent: body.payment_intent, status: state.refundStatus });
      }
      const sub = /^\/v1\/subscriptions\/([^/]+)$/.exec(path);
      if (req.method === 'DELETE' && sub) return send(200, { id: sub[1], object: 'subscription', status: 'canceled' });
      send(404, { error: { type: 'invalid_request_error', message: `no stand-in for ${req.method} ${path}` } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

let eventCounter = 0;

/** A Stripe event with a fresh id, as JSON, and its signature header made by the SDK's own test helper. */
export function signedEvent(type: string, object: Record<string, unknown>, opts: { id?: string; created?: number; secret?: string } = {}): { id: string; payload: string; header: string } {
  const id = opts.id ?? `evt_test_${Date.now()}_${++eventCounter}`;
  const payload = JSON.stringify({ id, object: 'event', type, created: opts.created ?? Math.floor(Date.now() / 1000), livemode: false, api_version: '2026-10-28.endive', data: { object } });
  const header = Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.secret ?? TEST_WEBHOOK_SECRET });
  return { id, payload, header };
}

/** The checkout.session.completed object Stripe sends for a paid one-off gift. */
export function paidSession(donationId: string, amountFen: number, paymentIntent: string, sessionId = `cs_test_${donationId.slice(0, 8)}`) {
  return { id: sessionId, object: 'checkout.session', mode: 'payment', payment_status: 'paid', client_reference_id: donationId, metadata: { donationId }, amount_total: amountFen, currency: 'cny', payment_intent: paymentIntent, payment_method_types: ['alipay'] };
}
