import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Services } from '../services';
import { paginate, pageFromQuery } from '../lib/pagination';
import { flash, form, uuidParam } from '../lib/http';
import { parseInput } from '../lib/validate';
import { returnSchema } from './needs.schemas';
import { NEED_KINDS } from './needs.rules';
import { COARSE_AGE_BANDS, FINE_AGE_BANDS } from './publication.rules';

// Filters come from links and selects; anything unrecognized is simply ignored, never an error page.
const filtersSchema = z.object({
  region: z.string().regex(/^\d{6}$/).optional().catch(undefined),
  kind: z.enum(NEED_KINDS).optional().catch(undefined),
  childClass: z.coerce.number().int().min(1).max(6).optional().catch(undefined),
  ageBand: z.string().regex(/^\d{1,2}-\d{1,2}$/).optional().catch(undefined),
  urgency: z.coerce.number().int().min(1).max(4).optional().catch(undefined),
});

export function needsRouter(services: Services) {
  const r = Router();
  const { needs, funds } = services;

  r.get('/needs', async (req, res) => {
    const filters = filtersSchema.parse({ ...req.query, childClass: req.query.class || undefined, ageBand: req.query.age || undefined, urgency: req.query.urgency || undefined, kind: req.query.kind || undefined, region: req.query.region || undefined });
    const page = pageFromQuery(req.query.page);
    const [board, regions] = await Promise.all([needs.board(filters, page), needs.countsByRegion(filters.region)]);
    res.render('needs/board', {
      title: req.t('needs.board.title'),
      ...board,
      regions,
      filters,
      choices: { kinds: NEED_KINDS, classes: [1, 2, 3, 4, 5, 6], ageBands: [...FINE_AGE_BANDS, ...COARSE_AGE_BANDS].map((b) => b.label), urgencies: [4, 3, 2, 1] },
      pagination: paginate({ page, pageSize: board.pageSize, total: board.total, baseUrl: '/needs', query: req.query as Record<string, unknown> }),
    });
  });

  const queueLocals = async (req: Request) => {
    const orgId = uuidParam(req, 'orgId');
    const page = pageFromQuery(req.query.page);
    const queue = await needs.approvalQueue(req.viewer, orgId, page);
    return { title: req.t('needs.approvals.title'), orgId, ...queue, pagination: paginate({ page, pageSize: queue.pageSize, total: queue.total, baseUrl: `/org/${orgId}/needs/approvals` }) };
  };
  const queuePath = (orgId: string) => `/org/${orgId}/needs/approvals`;

  r.get('/org/:orgId/needs/approvals', async (req, res) => {
    res.render('needs/approvals', await queueLocals(req));
  });

  r.post('/org/:orgId/needs/:needId/approve', form('needs/approvals', queueLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const result = await needs.approve(req.viewer, orgId, uuidParam(req, 'needId'), req.t);
    if (result.kind === 'withdrawal') flash(req, 'success', 'needs.approvals.withdrawn');
    else if (result.visible) flash(req, 'success', 'needs.publish.done', { code: result.publicCode! });
    else flash(req, 'info', `publication.held_back.${result.heldBackReason}`);
    res.redirect(303, queuePath(orgId));
  });

  r.post('/org/:orgId/needs/:needId/return', form('needs/approvals', queueLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const input = parseInput(returnSchema, req.body, req.t);
    const result = await needs.returnToAuthor(req.viewer, orgId, uuidParam(req, 'needId'), input.note);
    flash(req, 'success', `needs.approvals.returned.${result.kind}`);
    res.redirect(303, queuePath(orgId));
  });

  r.get('/needs/:code', async (req, res) => {
    const [need, help] = await Promise.all([needs.byPublicCode(req.params.code), funds.needHelp(req.params.code)]);
    res.render('needs/show', { title: `${req.t('needs.show.title')} ${need.publicCode}`, need, help });
  });

  return r;
}
