import { Router } from 'express';
import type { Services } from '../services';
import { uuidParam } from '../lib/http';

export function evidenceRouter(services: Services) {
  const r = Router();
  r.get('/org/:orgId/evidence/:fileId', async (req, res) => {
    const file = await services.evidence.read(req.viewer, uuidParam(req, 'orgId'), uuidParam(req, 'fileId'));
    // Served as a download of its sniffed type only: never rendered inline as something else.
    res.attachment(file.filename).type(file.mimeType).set({ 'Cache-Control': 'private, no-store', 'X-Content-Type-Options': 'nosniff', 'X-Evidence-SHA256': file.sha256 }).send(file.data);
  });
  return r;
}
