import { Router, type Request } from 'express';
import type { Services } from '../services';
import { flash, form, uuidParam } from '../lib/http';
import { paginate, pageFromQuery } from '../lib/pagination';
import { parseInput } from '../lib/validate';
import { applySchema, inviteSchema, memberRolesSchema, reviewSchema } from './organizations.schemas';


export function organizationsRouter(services: Services) {
  const r = Router();
  const { organizations, accounts, audit } = services;

  r.get('/organizations', async (req, res) => {
    const page = pageFromQuery(req.query.page);
    const { organizations: list, total } = await organizations.directory(page);
    res.render('organizations/directory', { title: req.t('organizations.directory.title'), organizations: list, total, pagination: paginate({ page, pageSize: 20, total, baseUrl: '/organizations' }) });
  });

  r.get('/organizations/apply', (req, res) => {
    accounts.profile(req.viewer);
    res.render('organizations/apply', { title: req.t('organizations.apply.title'), values: { kind: 'charity' } });
  });
  r.post('/organizations/apply', form('organizations/apply'), async (req, res) => {
    const input = parseInput(applySchema, req.body, req.t);
    const org = await organizations.apply(req.viewer, input);
    flash(req, 'success', 'organizations.apply.done');
    res.redirect(303, `/org/${org.id}`);
  });

  r.get('/organizations/:orgId', async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const [org, evaluation] = await Promise.all([organizations.publicProfile(orgId), services.helpRecords.evaluation(orgId)]);
    res.render('organizations/profile', { title: org.name, organization: org, evaluation });
  });

  const workspaceLocals = async (req: Request) => organizations.workspace(req.viewer, uuidParam(req, 'orgId'));

  r.get('/org/:orgId', async (req, res) => {
    const ws = await organizations.workspace(req.viewer, uuidParam(req, 'orgId'));
    res.render('organizations/workspace', { title: ws.organization.name, ...ws });
  });
  r.post('/org/:orgId/invitations', form('organizations/workspace', workspaceLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const input = parseInput(inviteSchema, req.body, req.t);
    const { link } = await organizations.invite(req.viewer, orgId, input, req.t);
    flash(req, 'success', 'organizations.invite.done', { email: input.email, link });
    res.redirect(303, `/org/${orgId}`);
  });
  r.post('/org/:orgId/invitations/:invitationId/revoke', async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    await organizations.revokeInvitation(req.viewer, orgId, uuidParam(req, 'invitationId'));
    flash(req, 'success', 'organizations.invite.revoked');
    res.redirect(303, `/org/${orgId}`);
  });
  r.post('/org/:orgId/members/:userId/roles', form('organizations/workspace', workspaceLocals), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const input = parseInput(memberRolesSchema, req.body, req.t);
    await organizations.setMemberRoles(req.viewer, orgId, uuidParam(req, 'userId'), input.roles, req.t);
    flash(req, 'success', 'organizations.members.saved');
    res.redirect(303, `/org/${orgId}`);
  });
  r.get('/org/:orgId/audit', async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const trail = await audit.trailForOrganization(req.viewer, orgId, pageFromQuery(req.query.page));
    res.render('organizations/audit', { title: req.t('audit.title'), orgId, ...trail, pagination: paginate({ page: trail.page, pageSize: trail.pageSize, total: trail.total, baseUrl: `/org/${orgId}/audit` }) });
  });

  r.get('/invitations/:token', async (req, res) => {
    const invitation = await organizations.invitationPreview(req.params.token);
    res.render('organizations/invitation', { title: req.t('organizations.invitation.title'), invitation, token: req.params.token });
  });
  r.post('/invitations/:token/accept', async (req, res) => {
    const { organizationId } = await organizations.acceptInvitation(req.viewer, req.params.token);
    flash(req, 'success', 'organizations.invitation.accepted');
    res.redirect(303, `/account#org-${organizationId}`);
  });

  r.get('/admin/organizations', async (req, res) => {
    const pending = await organizations.pendingApplications(req.viewer);
    res.render('organizations/review', { title: req.t('organizations.review.title'), pending });
  });
  r.post('/admin/organizations/:orgId/review', async (req, res) => {
    const input = parseInput(reviewSchema, req.body, req.t);
    await organizations.review(req.viewer, uuidParam(req, 'orgId'), input.decision, input.note);
    flash(req, 'success', input.decision === 'verify' ? 'organizations.review.verified' : 'organizations.review.rejected');
    res.redirect(303, '/admin/organizations');
  });

  return r;
}
