import { Router } from 'express';
import type { DatabaseHandle } from '../db/client';

/** Liveness and readiness for load balancers and orchestrators; plain JSON, no session, no CSRF. */
export function opsRouter(database: DatabaseHandle, state: { shuttingDown: boolean }) {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    if (state.shuttingDown) return res.status(503).json({ status: 'shutting_down' });
    try {
      await Promise.race([database.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000))]);
      res.json({ status: 'ready', database: database.kind });
    } catch {
      res.status(503).json({ status: 'unavailable', database: database.kind });
    }
  });
  return r;
}
