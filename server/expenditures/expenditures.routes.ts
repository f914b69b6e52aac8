import { Router, type Request } from 'express';
import type { Services } from '../services';
import { uploadedFiles } from '../evidence/evidence.upload';
import { flash, form, uuidParam } from '../lib/http';
import { parseInput } from '../lib/validate';
import { EXPENSE_CATEGORIES, PAYEE_TYPES } from './expenditures.rules';
import { approveSchema, expenditureSchema, rejectSchema, reverseSchema } from './expenditures.schemas';

const orgIdOf = (req: Request) => /^\/org\/([^/?#]+)/.exec(req.originalUrl)?.[1] ?? '';

export function expendituresRouter(services: Services) {
  const r = Router();
  const { expenditures, donations } = services;

  const page = async (req: Request) => {
    const orgId = orgIdOf(req);
    const [list, target, helpRecordChoices] = await Promise.all([expenditures.forOrganization(req.viewer, orgId), donations.donationTarget(orgId, null, { forFinance: true }), expenditures.helpRecordChoices(req.viewer, orgId)]);
    return { title: req.t('expenditures.title'), orgId, expenditures: list, ...target, helpRecordChoices, categories: EXPENSE_CATEGORIES, payeeTypes: PAYEE_TYPES };
  };
  const pageForm = form('expenditures/list', page);

  r.get('/org/:orgId/expenditures', async (req, res) => {
    uuidParam(req, 'orgId');
    res.render('expenditures/list', { ...(await page(req)), values: { category: 'goods', payeeType: 'supplier' } });
  });
  r.post('/org/:orgId/expenditures', pageForm, async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const input = parseInput(expenditureSchema, req.body, req.t);
    await expenditures.record(req.viewer, orgId, input, uploadedFiles(req.files), req.t);
    flash(req, 'success', 'expenditures.recorded');
    res.redirect(303, `/org/${orgId}/expenditures`);
  });
  r.post('/org/:orgId/expenditures/:expenditureId/approve', pageForm, async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const input = parseInput(approveSchema, req.body, req.t);
    await expenditures.approve(req.viewer, orgId, uuidParam(req, 'expenditureId'), input.password, req.t);
    flash(req, 'success', 'expenditures.approved');
    res.redirect(303, `/org/${orgId}/expenditures`);
  });
  r.post('/org/:orgId/expenditures/:expenditureId/reject', pageForm, async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const input = parseInput(rejectSchema, req.body, req.t);
    await expenditures.reject(req.viewer, orgId, uuidParam(req, 'expenditureId'), input.reason);
    flash(req, 'success', 'expenditures.rejected');
    res.redirect(303, `/org/${orgId}/expenditures`);
  });
  r.post('/org/:orgId/expenditures/:expenditureId/reverse', pageForm, async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const input = parseInput(reverseSchema, req.body, req.t);
    await expenditures.reverse(req.viewer, orgId, uuidParam(req, 'expenditureId'), input.reason, input.password, req.t);
    flash(req, 'success', 'expenditures.reversed');
    res.redirect(303, `/org/${orgId}/expenditures`);
  });

  return r;
}
