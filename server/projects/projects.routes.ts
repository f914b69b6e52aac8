import { Router, type Request } from 'express';
import type { Services } from '../services';
import { flash, form, uuidParam } from '../lib/http';
import { paginate, pageFromQuery } from '../lib/pagination';
import { parseInput } from '../lib/validate';
import { NEED_KINDS } from '../needs/needs.rules';
import { ROLE_KINDS } from './projects.rules';
import { projectFiltersSchema, projectReviewSchema, projectSchema, roleSchema } from './projects.schemas';
import { projectFormValues } from './projects.projections';

/** Choices the project forms offer (labels come from the locale files). */
const CHOICES = { kinds: NEED_KINDS, classes: ['1', '2', '3', '4', '5', '6'], roleKinds: ROLE_KINDS };

export function projectsRouter(services: Services) {
  const r = Router();
  const { projects } = services;

  r.get('/projects', async (req, res) => {
    const filters = projectFiltersSchema.parse({ kind: req.query.kind || undefined, region: req.query.region || undefined, q: req.query.q });
    const page = pageFromQuery(req.query.page);
    const result = await projects.search(filters, page);
    res.render('projects/list', {
      title: req.t('projects.list.title'),
      ...result,
      filters,
      choices: CHOICES,
      pagination: paginate({ page, pageSize: result.pageSize, total: result.total, baseUrl: '/projects', query: req.query as Record<string, unknown> }),
    });
  });

  r.get('/projects/:projectId', async (req, res) => {
    const project = await projects.publicView(uuidParam(req, 'projectId'));
    res.render('projects/show', { title: project.title, project });
  });

  const newLocals = async (req: Request) => ({ title: req.t('projects.new.title'), orgId: req.params.orgId, choices: CHOICES, ...(await projects.formContext(req.viewer, uuidParam(req, 'orgId'))) });
  const manageLocals = async (req: Request) => {
    const project = await projects.managed(req.viewer, uuidParam(req, 'orgId'), uuidParam(req, 'projectId'));
    return { title: project.title, orgId: project.organizationId, project, choices: CHOICES, areaName: project.area.name };
  };

  r.get('/org/:orgId/projects', async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    res.render('projects/org-list', { title: req.t('projects.org.title'), orgId, projects: await projects.forOrganization(req.viewer, orgId) });
  });

  r.get('/org/:orgId/projects/new', async (req, res) => {
    res.render('projects/form', { ...(await newLocals(req)), values: { minAge: 6, maxAge: 16, capacity: 10 } });
  });
  r.post('/org/:orgId/projects', form('projects/form', newLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const created = await projects.create(req.viewer, orgId, parseInput(projectSchema, req.body, req.t), req.t);
    flash(req, 'success', 'projects.new.done');
    res.redirect(303, `/org/${orgId}/projects/${created.id}`);
  });

  r.get('/org/:orgId/projects/:projectId', async (req, res) => {
    res.render('projects/manage', await manageLocals(req));
  });
  r.get('/org/:orgId/projects/:projectId/edit', async (req, res) => {
    const locals = await manageLocals(req);
    res.render('projects/edit', { ...locals, values: projectFormValues(locals.project) });
  });
  r.post('/org/:orgId/projects/:projectId', form('projects/edit', manageLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const projectId = uuidParam(req, 'projectId');
    await projects.update(req.viewer, orgId, projectId, parseInput(projectSchema, req.body, req.t), req.t);
    flash(req, 'success', 'projects.edit.done');
    res.redirect(303, `/org/${orgId}/projects/${projectId}`);
  });
  r.post('/org/:orgId/projects/:projectId/submit', form('projects/manage', manageLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const projectId = uuidParam(req, 'projectId');
    await projects.submit(req.viewer, orgId, projectId, req.t);
    flash(req, 'success', 'projects.submit.done');
    res.redirect(303, `/org/${orgId}/projects/${projectId}`);
  });
  r.post('/org/:orgId/projects/:projectId/close', form('projects/manage', manageLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const projectId = uuidParam(req, 'projectId');
    await projects.close(req.viewer, orgId, projectId, req.t);
    flash(req, 'success', 'projects.close.done');
    res.redirect(303, `/org/${orgId}/projects/${projectId}`);
  });
  r.post('/org/:orgId/projects/:projectId/roles', form('projects/manage', manageLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const projectId = uuidParam(req, 'projectId');
    await projects.addRole(req.viewer, orgId, projectId, parseInput(roleSchema, req.body, req.t));
    flash(req, 'success', 'projects.roles.added');
    res.redirect(303, `/org/${orgId}/projects/${projectId}#roles`);
  });
  r.post('/org/:orgId/projects/:projectId/roles/:roleId/remove', async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const projectId = uuidParam(req, 'projectId');
    await projects.removeRole(req.viewer, orgId, projectId, uuidParam(req, 'roleId'));
    flash(req, 'success', 'projects.roles.removed');
    res.redirect(303, `/org/${orgId}/projects/${projectId}#roles`);
  });

  const reviewLocals = async (req: Request) => ({ title: req.t('projects.review.title'), pending: await projects.reviewQueue(req.viewer) });
  r.get('/admin/projects', async (req, res) => {
    res.render('projects/review', await reviewLocals(req));
  });
  r.post('/admin/projects/:projectId/review', form('projects/review', reviewLocals), async (req, res) => {
    const input = parseInput(projectReviewSchema, req.body, req.t);
    await projects.review(req.viewer, uuidParam(req, 'projectId'), input.decision, input.note, req.t);
    flash(req, 'success', input.decision === 'approve' ? 'projects.review.approved' : 'projects.review.rejected');
    res.redirect(303, '/admin/projects');
  });

  return r;
}
