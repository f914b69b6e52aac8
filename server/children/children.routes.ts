import { Router, type Request } from 'express';
import type { Services } from '../services';
import { flash, form, uuidParam } from '../lib/http';
import { paginate, pageFromQuery } from '../lib/pagination';
import { parseInput } from '../lib/validate';
import { NEED_KINDS } from '../needs/needs.rules';
import { reviseSchema } from '../needs/needs.schemas';
import { childSchema, needSchema, reasonSchema, visitSchema } from './children.schemas';

/** Choices offered by the child and need forms (labels come from the locale files). */
const CHOICES = { classes: [1, 2, 3, 4, 5, 6], difficulties: ['economic', 'guardianship', 'special'], risks: [1, 2, 3, 4], kinds: NEED_KINDS, urgencies: [4, 3, 2, 1] };

export function childrenRouter(services: Services) {
  const r = Router();
  const { children, needs } = services;

  const recordLocals = async (req: Request) => {
    const orgId = uuidParam(req, 'orgId');
    const childId = uuidParam(req, 'childId');
    const [child, visits, childNeeds] = await Promise.all([
      children.view(req.viewer, orgId, childId, 'record page'),
      children.visits(req.viewer, orgId, childId),
      needs.forChild(req.viewer, orgId, childId),
    ]);
    return { title: child.name, orgId, child, visits, needs: childNeeds, choices: CHOICES, today: new Date().toISOString().slice(0, 10) };
  };

  r.get('/org/:orgId/children', async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const page = pageFromQuery(req.query.page);
    const overdue = req.query.overdue === '1';
    const name = typeof req.query.name === 'string' ? req.query.name.slice(0, 40) : '';
    const result = await children.list(req.viewer, orgId, { page, overdue, name });
    res.render('children/list', { title: req.t('children.list.title'), orgId, overdue, name, ...result, pagination: paginate({ page, pageSize: result.pageSize, total: result.total, baseUrl: `/org/${orgId}/children`, query: { overdue: overdue ? '1' : '', name } }) });
  });

  r.get('/org/:orgId/children/new', async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    children.authorizeRecords(req.viewer, orgId);
    res.render('children/form', { title: req.t('children.new.title'), orgId, choices: CHOICES, values: { childClass: '6', difficultyType: 'guardianship', riskLevel: '3' } });
  });
  r.post('/org/:orgId/children', form('children/form', async (req) => ({ title: req.t('children.new.title'), orgId: uuidParam(req, 'orgId'), choices: CHOICES })), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const input = parseInput(childSchema, req.body, req.t);
    const created = await children.create(req.viewer, orgId, children.childFromForm(input, req.t), req.t);
    flash(req, created.registeredElsewhere ? 'info' : 'success', created.registeredElsewhere ? 'children.new.registered_elsewhere' : 'children.new.done');
    res.redirect(303, `/org/${orgId}/children/${created.id}`);
  });

  r.get('/org/:orgId/children/:childId', async (req, res) => {
    res.render('children/record', await recordLocals(req));
  });

  r.get('/org/:orgId/children/:childId/edit', async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const child = await children.view(req.viewer, orgId, uuidParam(req, 'childId'), 'edit form');
    res.render('children/form', { title: req.t('children.edit.title'), orgId, child, choices: CHOICES, values: { ...child, childName: child.name } });
  });
  r.post('/org/:orgId/children/:childId', form('children/form', async (req) => ({ title: req.t('children.edit.title'), orgId: uuidParam(req, 'orgId'), child: { id: uuidParam(req, 'childId') }, choices: CHOICES })), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const childId = uuidParam(req, 'childId');
    const input = parseInput(childSchema, req.body, req.t);
    await children.update(req.viewer, orgId, childId, children.childFromForm(input, req.t), req.t);
    flash(req, 'success', 'children.edit.done');
    res.redirect(303, `/org/${orgId}/children/${childId}`);
  });

  r.post('/org/:orgId/children/:childId/visits', form('children/record', recordLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const childId = uuidParam(req, 'childId');
    await children.recordVisit(req.viewer, orgId, childId, parseInput(visitSchema, req.body, req.t), req.t);
    flash(req, 'success', 'children.visit.done');
    res.redirect(303, `/org/${orgId}/children/${childId}#visits`);
  });

  r.post('/org/:orgId/children/:childId/needs', form('children/record', recordLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const childId = uuidParam(req, 'childId');
    await needs.create(req.viewer, orgId, childId, parseInput(needSchema, req.body, req.t));
    flash(req, 'success', 'needs.create.done');
    res.redirect(303, `/org/${orgId}/children/${childId}#needs`);
  });

  const back = (orgId: string, childId: string) => `/org/${orgId}/children/${childId}#needs`;
  r.post('/org/:orgId/children/:childId/needs/:needId/submit', form('children/record', recordLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const { preview } = await needs.submit(req.viewer, orgId, uuidParam(req, 'needId'), req.t);
    flash(req, preview.heldBack ? 'info' : 'success', preview.heldBack ? 'needs.submit.done_held_back' : 'needs.submit.done');
    res.redirect(303, back(orgId, uuidParam(req, 'childId')));
  });

  r.post('/org/:orgId/children/:childId/needs/:needId/revise', form('children/record', recordLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const input = parseInput(reviseSchema, req.body, req.t);
    await needs.revise(req.viewer, orgId, uuidParam(req, 'needId'), input.needDescription, req.t);
    flash(req, 'success', 'needs.revise.done');
    res.redirect(303, back(orgId, uuidParam(req, 'childId')));
  });

  r.post('/org/:orgId/children/:childId/needs/:needId/withdraw', form('children/record', recordLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const input = parseInput(reasonSchema, req.body, req.t);
    const { withdrawn } = await needs.withdraw(req.viewer, orgId, uuidParam(req, 'needId'), input.reason, req.t);
    flash(req, 'success', withdrawn ? 'needs.withdraw.done' : 'needs.withdraw.requested');
    res.redirect(303, back(orgId, uuidParam(req, 'childId')));
  });

  return r;
}
