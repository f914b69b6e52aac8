import { Router, type Request } from 'express';
import type { Services } from '../services';
import { NotFoundError } from '../lib/errors';
import { flash, form, uuidParam } from '../lib/http';
import { parseInput } from '../lib/validate';
import { formRows } from './redaction.rules';
import { confirmSchema, markSchema, returnSchema } from './redaction.schemas';

const PRIVATE = { 'Cache-Control': 'private, no-store', 'X-Content-Type-Options': 'nosniff' };
const PUBLIC_ID = /^[A-Za-z0-9_-]{43}$/;
/** A page number from the path (1–999); anything else is simply not found. */
function pageParam(req: Request): number {
  const raw = String(req.params.page);
  if (!/^[1-9]\d{0,2}$/.test(raw)) throw new NotFoundError('page');
  return Number(raw);
}
const extensionOf = (mimeType: string) => (mimeType === 'application/pdf' ? 'pdf' : 'png');

export function evidenceRouter(services: Services) {
  const r = Router();
  const { redactions } = services;
  r.get('/org/:orgId/evidence/:fileId', async (req, res) => {
    const file = await services.evidence.read(req.viewer, uuidParam(req, 'orgId'), uuidParam(req, 'fileId'));
    // Served as a download of its sniffed type only: never rendered inline as something else.
    res.attachment(file.filename).type(file.mimeType).set({ 'Cache-Control': 'private, no-store', 'X-Content-Type-Options': 'nosniff', 'X-Evidence-SHA256': file.sha256 }).send(file.data);
  });

  const redactionPage = async (req: Request) => {
    const orgId = uuidParam(req, 'orgId');
    const fileId = uuidParam(req, 'fileId');
    const workspace = await redactions.workspace(req.viewer, orgId, fileId);
    return { title: req.t('redactions.title'), orgId, fileId, ...workspace, rows: formRows(workspace.live?.status === 'marked' ? workspace.live.boxes : []) };
  };
  r.get('/org/:orgId/evidence/:fileId/redaction', async (req, res) => {
    res.render('evidence/redaction', await redactionPage(req));
  });
  r.post('/org/:orgId/evidence/:fileId/redaction', form('evidence/redaction', redactionPage), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const fileId = uuidParam(req, 'fileId');
    const input = parseInput(markSchema, req.body, req.t);
    await redactions.mark(req.viewer, orgId, fileId, input.boxes, req.t);
    flash(req, 'success', 'redactions.marked');
    res.redirect(303, `/org/${orgId}/evidence/${fileId}/redaction`);
  });
  r.get('/org/:orgId/evidence/:fileId/pages/:page', async (req, res) => {
    const png = await redactions.originalPage(req.viewer, uuidParam(req, 'orgId'), uuidParam(req, 'fileId'), pageParam(req));
    res.type('image/png').set(PRIVATE).send(png);
  });
  r.get('/org/:orgId/evidence/:fileId/redaction/copy', async (req, res) => {
    const copy = await redactions.reviewCopy(req.viewer, uuidParam(req, 'orgId'), uuidParam(req, 'fileId'));
    res.type(copy.mimeType).set({ ...PRIVATE, 'Content-Disposition': `inline; filename="redacted.${extensionOf(copy.mimeType)}"` }).send(copy.data);
  });
  r.get('/org/:orgId/evidence/:fileId/redaction/copy/pages/:page', async (req, res) => {
    const png = await redactions.reviewCopyPage(req.viewer, uuidParam(req, 'orgId'), uuidParam(req, 'fileId'), pageParam(req));
    res.type('image/png').set(PRIVATE).send(png);
  });
  r.post('/org/:orgId/evidence/:fileId/redaction/confirm', form('evidence/redaction', redactionPage), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const fileId = uuidParam(req, 'fileId');
    const input = parseInput(confirmSchema, req.body, req.t);
    await redactions.confirm(req.viewer, orgId, fileId, input.copySha256);
    flash(req, 'success', 'redactions.confirmed');
    res.redirect(303, `/org/${orgId}/evidence/${fileId}/redaction`);
  });
  r.post('/org/:orgId/evidence/:fileId/redaction/return', form('evidence/redaction', redactionPage), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const fileId = uuidParam(req, 'fileId');
    const input = parseInput(returnSchema, req.body, req.t);
    await redactions.returnForRework(req.viewer, orgId, fileId, input.reason);
    flash(req, 'success', 'redactions.returned');
    res.redirect(303, `/org/${orgId}/evidence/${fileId}/redaction`);
  });

  // A public receipt: only a confirmed redacted copy, at its random address, shown inline as exactly its type.
  r.get('/receipts/:publicId', async (req, res) => {
    if (!PUBLIC_ID.test(String(req.params.publicId))) throw new NotFoundError('receipt');
    const copy = await redactions.publicCopy(String(req.params.publicId));
    res
      .type(copy.mimeType)
      .set({ 'Content-Disposition': `inline; filename="receipt.${extensionOf(copy.mimeType)}"`, 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'public, max-age=3600' })
      .send(copy.data);
  });
  return r;
}
