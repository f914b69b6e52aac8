import { Router, type Request } from 'express';
import type { Services } from '../services';
import { flash, form, uuidParam } from '../lib/http';
import { parseInput } from '../lib/validate';
import { HELP_OUTCOMES } from './lifecycle.rules';
import { answerSchema, closeHelpSchema, followUpSchema } from './matching.schemas';

export function matchingRouter(services: Services) {
  const r = Router();
  const { matching, helpRecords } = services;

  // The project organization's screen: proposals on its projects and the help it gives.
  const projectLocals = async (req: Request) => ({ title: req.t('matching_ui.project.title'), orgId: req.params.orgId, ...(await matching.projectScreen(req.viewer, uuidParam(req, 'orgId'), req.t)) });
  // The caseworkers' screen: their needs' proposals, needs left unmatched and why, help in progress.
  const needLocals = async (req: Request) => ({ title: req.t('matching_ui.need.title'), orgId: req.params.orgId, outcomes: HELP_OUTCOMES, ...(await matching.needScreen(req.viewer, uuidParam(req, 'orgId'), req.t)) });

  r.get('/org/:orgId/proposals', async (req, res) => {
    res.render('matching/proposals', await projectLocals(req));
  });
  r.post('/org/:orgId/proposals/:proposalId/accept', form('matching/proposals', projectLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    await matching.accept(req.viewer, orgId, uuidParam(req, 'proposalId'), req.t);
    flash(req, 'success', 'matching_ui.accept.done');
    res.redirect(303, `/org/${orgId}/proposals`);
  });
  r.post('/org/:orgId/proposals/:proposalId/decline', form('matching/proposals', projectLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const input = parseInput(answerSchema, req.body, req.t);
    await matching.decline(req.viewer, orgId, uuidParam(req, 'proposalId'), input.reason, req.t);
    flash(req, 'success', 'matching_ui.decline.done');
    res.redirect(303, `/org/${orgId}/proposals`);
  });
  r.post('/org/:orgId/matching/run', form('matching/proposals', projectLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const run = await matching.runForOrganization(req.viewer, orgId);
    flash(req, 'success', 'matching_ui.run.done', { proposals: run.proposals, unmatched: run.unmatched });
    res.redirect(303, `/org/${orgId}/proposals`);
  });

  r.get('/org/:orgId/matches', async (req, res) => {
    res.render('matching/matches', await needLocals(req));
  });
  r.post('/org/:orgId/matches/:proposalId/confirm', form('matching/matches', needLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    await matching.confirm(req.viewer, orgId, uuidParam(req, 'proposalId'), req.t);
    flash(req, 'success', 'matching_ui.confirm.done');
    res.redirect(303, `/org/${orgId}/matches`);
  });
  r.post('/org/:orgId/matches/:proposalId/withdraw', form('matching/matches', needLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const input = parseInput(answerSchema, req.body, req.t);
    await matching.withdraw(req.viewer, orgId, uuidParam(req, 'proposalId'), input.reason, req.t);
    flash(req, 'success', 'matching_ui.withdraw.done');
    res.redirect(303, `/org/${orgId}/matches`);
  });

  r.post('/org/:orgId/help-records/:helpRecordId/follow-ups', async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const input = parseInput(followUpSchema, req.body, req.t);
    const side = await helpRecords.recordFollowUp(req.viewer, orgId, uuidParam(req, 'helpRecordId'), input.notes);
    flash(req, 'success', 'matching_ui.follow_up.done');
    res.redirect(303, side === 'need' ? `/org/${orgId}/matches#help` : `/org/${orgId}/proposals#help`);
  });
  r.post('/org/:orgId/help-records/:helpRecordId/close', form('matching/matches', needLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const input = parseInput(closeHelpSchema, req.body, req.t);
    await helpRecords.close(req.viewer, orgId, uuidParam(req, 'helpRecordId'), input.outcome, input.evaluation);
    flash(req, 'success', input.outcome === 'met' ? 'matching_ui.close.met' : 'matching_ui.close.done');
    res.redirect(303, `/org/${orgId}/matches#help`);
  });

  r.get('/admin/matching', async (req, res) => {
    res.render('matching/admin', { title: req.t('matching_ui.admin.title'), ...(await matching.overview(req.viewer)) });
  });
  r.post('/admin/matching/run', async (req, res) => {
    const run = await matching.run(req.viewer);
    flash(req, 'success', 'matching_ui.run.done', { proposals: run.proposals, unmatched: run.unmatched });
    res.redirect(303, '/admin/matching');
  });

  return r;
}
