import { Router, type Request } from 'express';
import type { Services } from '../services';
import { flash, form, uuidParam } from '../lib/http';
import { evidenceUpload, uploadedFiles } from '../evidence/evidence.upload';
import { parseInput } from '../lib/validate';
import { CHECK_IN_EVERY, CHECK_IN_MODES, CLOSING_REASONS, GUARDIAN_CONTACT_MODES, PAUSE_REASONS } from './pairings.rules';
import { CONSENT_METHODS, GUARDIAN_RELATIONS } from './consent.rules';
import type { ConsentTarget } from './guardian.service';
import { DAY_PARTS, ROLE_KINDS, SKILLS, TRAVEL_CHOICES, TUTORING_SUBJECTS, WEEK_DAYS, availabilityKey } from './volunteers.rules';
import {
  applicationDecisionSchema,
  applicationSchema,
  checkInSchema,
  concernSchema,
  consentSchema,
  guardianContactSchema,
  withdrawalSchema,
  declineSchema,
  hourDecisionSchema,
  hourLogSchema,
  messageSchema,
  organizationChoiceSchema,
  pairingChangeSchema,
  pairingSchema,
  profileSchema,
  reviewSchema,
  vettingSchema,
} from './volunteers.schemas';

/** The choices the volunteers forms offer; labels come from the locale files. */
const CHOICES = {
  skills: SKILLS,
  subjects: TUTORING_SUBJECTS,
  travel: TRAVEL_CHOICES,
  roleKinds: ROLE_KINDS,
  every: CHECK_IN_EVERY,
  modes: CHECK_IN_MODES,
  closingReasons: CLOSING_REASONS,
  pauseReasons: PAUSE_REASONS,
  relations: GUARDIAN_RELATIONS,
  consentMethods: CONSENT_METHODS,
  contactModes: GUARDIAN_CONTACT_MODES,
  week: WEEK_DAYS.map((day) => ({ day, slots: DAY_PARTS.map((part) => ({ key: availabilityKey(day, part), part })) })),
};

/** The forms that carry a guardian's signed consent form (one PDF, JPEG or PNG), parsed before the CSRF check. */
const CONSENT_UPLOAD_PATHS = [/^\/org\/[^/]+\/volunteers\/(pairings|needs)\/[^/]+\/consent\/?$/];
export const consentUpload = () => evidenceUpload({ paths: CONSENT_UPLOAD_PATHS, field: 'consentForm', maxFiles: 1 });

export function volunteersRouter(services: Services) {
  const r = Router();
  const { volunteers, vetting, pairings, volunteerHours, safeguarding, guardian } = services;

  // ---- the volunteer's own area ----------------------------------------------------------

  r.get('/volunteer', async (req, res) => {
    res.render('volunteers/dashboard', { title: req.t('volunteers.dashboard.title'), ...(await volunteers.dashboard(req.viewer)) });
  });

  const profilePage = async (req: Request) => ({ title: req.t('volunteers.profile.title'), choices: CHOICES });
  r.get('/volunteer/profile', async (req, res) => {
    const profile = await volunteers.profile(req.viewer);
    res.render('volunteers/profile', { ...(await profilePage(req)), isNew: !profile, values: profile ? { ...profile, languages: profile.languages.join('、') } : { travelKm: '30' } });
  });
  r.post('/volunteer/profile', form('volunteers/profile', profilePage), async (req, res) => {
    await volunteers.saveProfile(req.viewer, parseInput(profileSchema, req.body, req.t));
    flash(req, 'success', 'volunteers.profile.saved');
    res.redirect(303, '/volunteer');
  });

  r.post('/volunteer/organizations', async (req, res) => {
    const { organizationId } = parseInput(organizationChoiceSchema, req.body, req.t);
    await vetting.join(req.viewer, organizationId);
    flash(req, 'success', 'volunteers.join.done');
    res.redirect(303, `/volunteer/organizations/${organizationId}`);
  });

  const organizationPage = async (req: Request) => {
    const page = await volunteers.organizationForVolunteer(req.viewer, uuidParam(req, 'orgId'));
    return { title: page.organization.name, ...page };
  };
  r.get('/volunteer/organizations/:orgId', async (req, res) => {
    res.render('volunteers/organization', await organizationPage(req));
  });
  r.post('/volunteer/organizations/:orgId/messages', form('volunteers/organization', organizationPage), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    await safeguarding.sendFromVolunteer(req.viewer, orgId, parseInput(messageSchema, req.body, req.t).messageBody, req.t);
    res.redirect(303, `/volunteer/organizations/${orgId}#messages`);
  });
  r.post('/volunteer/organizations/:orgId/concerns', form('volunteers/organization', organizationPage), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    await safeguarding.reportConcern(req.viewer, orgId, parseInput(concernSchema, req.body, req.t), req.t);
    flash(req, 'success', 'volunteers.concern.sent');
    res.redirect(303, `/volunteer/organizations/${orgId}`);
  });

  r.get('/volunteer/opportunities', async (req, res) => {
    res.render('volunteers/opportunities', { title: req.t('volunteers.opportunities.title'), opportunities: await volunteers.opportunities(req.viewer) });
  });
  r.post('/volunteer/opportunities/:roleId/apply', async (req, res) => {
    await volunteers.apply(req.viewer, uuidParam(req, 'roleId'), parseInput(applicationSchema, req.body, req.t).applicationMessage);
    flash(req, 'success', 'volunteers.apply.done');
    res.redirect(303, '/volunteer/opportunities');
  });

  const pairingPage = async (req: Request) => {
    const pairing = await pairings.forVolunteer(req.viewer, uuidParam(req, 'pairingId'));
    return { title: pairing.nickname, pairing, choices: CHOICES };
  };
  r.get('/volunteer/pairings/:pairingId', async (req, res) => {
    res.render('volunteers/pairing', await pairingPage(req));
  });
  r.post('/volunteer/pairings/:pairingId/check-ins', form('volunteers/pairing', pairingPage), async (req, res) => {
    const pairingId = uuidParam(req, 'pairingId');
    await pairings.recordCheckIn(req.viewer, pairingId, parseInput(checkInSchema, req.body, req.t), req.t);
    flash(req, 'success', 'volunteers.check_in.done');
    res.redirect(303, `/volunteer/pairings/${pairingId}`);
  });

  const hoursPage = async (req: Request) => ({ title: req.t('volunteers.hours.title'), ...(await volunteers.hoursPage(req.viewer)) });
  r.get('/volunteer/hours', async (req, res) => {
    res.render('volunteers/hours', await hoursPage(req));
  });
  r.post('/volunteer/hours', form('volunteers/hours', hoursPage), async (req, res) => {
    await volunteerHours.log(req.viewer, parseInput(hourLogSchema, req.body, req.t), req.t);
    flash(req, 'success', 'volunteers.hours.logged');
    res.redirect(303, '/volunteer/hours');
  });
  r.post('/volunteer/certificates', form('volunteers/hours', hoursPage), async (req, res) => {
    const { organizationId } = parseInput(organizationChoiceSchema, req.body, req.t);
    const certificate = await volunteerHours.issueCertificate(req.viewer, organizationId);
    flash(req, 'success', 'volunteers.certificate.issued', { code: certificate.code });
    res.redirect(303, '/volunteer/hours#certificates');
  });
  r.get('/volunteer/certificates/:certificateId/certificate.pdf', async (req, res) => {
    const { filename, pdf } = await volunteerHours.certificatePdf(req.viewer, uuidParam(req, 'certificateId'));
    res.attachment(filename).type('application/pdf').send(pdf);
  });

  // ---- public verification -----------------------------------------------------------------

  r.get('/certificates', async (req, res) => {
    const code = typeof req.query.code === 'string' ? req.query.code.trim() : '';
    if (code) return res.redirect(303, `/certificates/${encodeURIComponent(code)}`);
    res.render('volunteers/certificate-check', { title: req.t('volunteers.certificate.check_title') });
  });
  r.get('/certificates/:code', async (req, res) => {
    const certificate = await volunteerHours.verify(req.params.code);
    res.render('volunteers/certificate-check', { title: req.t('volunteers.certificate.check_title'), certificate });
  });

  // ---- the organization's area -------------------------------------------------------------

  r.get('/org/:orgId/volunteers', async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    res.render('volunteers/org-overview', { title: req.t('volunteers.org.title'), orgId, ...(await volunteers.organizationOverview(req.viewer, orgId)) });
  });

  const orgHoursPage = async (req: Request) => {
    const orgId = uuidParam(req, 'orgId');
    return { title: req.t('volunteers.org.hours_title'), orgId, ...(await volunteerHours.forOrganization(req.viewer, orgId, req.t)) };
  };
  r.get('/org/:orgId/volunteers/hours', async (req, res) => {
    res.render('volunteers/org-hours', await orgHoursPage(req));
  });
  r.post('/org/:orgId/volunteers/hours/:logId/decision', form('volunteers/org-hours', orgHoursPage), async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    await volunteerHours.decide(req.viewer, orgId, uuidParam(req, 'logId'), parseInput(hourDecisionSchema, req.body, req.t));
    flash(req, 'success', 'volunteers.hours.decided');
    res.redirect(303, `/org/${orgId}/volunteers/hours`);
  });

  r.get('/org/:orgId/volunteers/concerns', async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    res.render('volunteers/org-concerns', { title: req.t('volunteers.concern.list_title'), orgId, concerns: await safeguarding.concerns(req.viewer, orgId) });
  });

  r.post('/org/:orgId/volunteers/applications/:applicationId/decision', async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    await volunteers.decideApplication(req.viewer, orgId, uuidParam(req, 'applicationId'), parseInput(applicationDecisionSchema, req.body, req.t).decision);
    flash(req, 'success', 'volunteers.apply.decided');
    res.redirect(303, `/org/${orgId}/volunteers#applications`);
  });

  const orgPairingPage = async (req: Request) => {
    const orgId = uuidParam(req, 'orgId');
    const page = await volunteers.pairingPage(req.viewer, orgId, uuidParam(req, 'pairingId'));
    return { title: page.pairing.nickname, orgId, ...page, consents: page.guardian.consents, consentAction: `/org/${orgId}/volunteers/pairings/${page.pairing.id}/consent`, choices: CHOICES };
  };
  const pairingForm = form('volunteers/org-pairing', orgPairingPage);
  const backToPairing = (req: Request) => `/org/${uuidParam(req, 'orgId')}/volunteers/pairings/${uuidParam(req, 'pairingId')}`;
  r.get('/org/:orgId/volunteers/pairings/:pairingId', async (req, res) => {
    res.render('volunteers/org-pairing', await orgPairingPage(req));
  });
  r.post('/org/:orgId/volunteers/pairings/:pairingId/approve', pairingForm, async (req, res) => {
    await pairings.approve(req.viewer, uuidParam(req, 'orgId'), uuidParam(req, 'pairingId'), req.t);
    flash(req, 'success', 'volunteers.pairing.approved');
    res.redirect(303, backToPairing(req));
  });
  r.post('/org/:orgId/volunteers/pairings/:pairingId/decline', pairingForm, async (req, res) => {
    await pairings.decline(req.viewer, uuidParam(req, 'orgId'), uuidParam(req, 'pairingId'), parseInput(declineSchema, req.body, req.t).closingNote, req.t);
    flash(req, 'success', 'volunteers.pairing.declined');
    res.redirect(303, backToPairing(req));
  });
  r.post('/org/:orgId/volunteers/pairings/:pairingId/status', pairingForm, async (req, res) => {
    const input = parseInput(pairingChangeSchema, req.body, req.t);
    await pairings.change(req.viewer, uuidParam(req, 'orgId'), uuidParam(req, 'pairingId'), input, req.t);
    flash(req, 'success', `volunteers.pairing.done.${input.action}`);
    res.redirect(303, backToPairing(req));
  });
  const pairingTarget = (req: Request): ConsentTarget => ({ purpose: 'pairing', pairingId: uuidParam(req, 'pairingId') });
  r.post('/org/:orgId/volunteers/pairings/:pairingId/consent', pairingForm, async (req, res) => {
    await guardian.recordConsent(req.viewer, uuidParam(req, 'orgId'), pairingTarget(req), parseInput(consentSchema, req.body, req.t), uploadedFiles(req.files), req.t);
    flash(req, 'success', 'volunteers.consent.recorded');
    res.redirect(303, `${backToPairing(req)}#consent`);
  });
  r.post('/org/:orgId/volunteers/pairings/:pairingId/consent/:consentId/withdraw', pairingForm, async (req, res) => {
    await guardian.withdraw(req.viewer, uuidParam(req, 'orgId'), pairingTarget(req), uuidParam(req, 'consentId'), parseInput(withdrawalSchema, req.body, req.t), req.t);
    flash(req, 'success', 'volunteers.consent.withdrawn_paused');
    res.redirect(303, `${backToPairing(req)}#consent`);
  });
  r.post('/org/:orgId/volunteers/pairings/:pairingId/guardian-contacts', pairingForm, async (req, res) => {
    await guardian.recordContact(req.viewer, uuidParam(req, 'orgId'), uuidParam(req, 'pairingId'), parseInput(guardianContactSchema, req.body, req.t), req.t);
    flash(req, 'success', 'volunteers.guardian_contact.recorded');
    res.redirect(303, `${backToPairing(req)}#guardian-contacts`);
  });
  r.get('/org/:orgId/volunteers/consents/:consentId/form', async (req, res) => {
    const file = await guardian.consentForm(req.viewer, uuidParam(req, 'orgId'), uuidParam(req, 'consentId'));
    res.attachment(file.filename).type(file.mimeType).set({ 'Cache-Control': 'private, no-store', 'X-Content-Type-Options': 'nosniff' }).send(file.data);
  });

  // Consent to help that meets the child (a need of a contact kind), recorded before the help is confirmed.
  const needConsentPage = async (req: Request) => {
    const orgId = uuidParam(req, 'orgId');
    const need = await guardian.needForConsent(req.viewer, orgId, uuidParam(req, 'needId'));
    return { title: req.t('volunteers.consent.help_title'), orgId, need, consents: need.consents, consentAction: `/org/${orgId}/volunteers/needs/${need.needId}/consent`, choices: CHOICES };
  };
  const needConsentForm = form('volunteers/need-consent', needConsentPage);
  const needTarget = (req: Request): ConsentTarget => ({ purpose: 'help', needId: uuidParam(req, 'needId') });
  const backToNeed = (req: Request) => `/org/${uuidParam(req, 'orgId')}/volunteers/needs/${uuidParam(req, 'needId')}/consent`;
  r.get('/org/:orgId/volunteers/needs/:needId/consent', async (req, res) => {
    res.render('volunteers/need-consent', await needConsentPage(req));
  });
  r.post('/org/:orgId/volunteers/needs/:needId/consent', needConsentForm, async (req, res) => {
    await guardian.recordConsent(req.viewer, uuidParam(req, 'orgId'), needTarget(req), parseInput(consentSchema, req.body, req.t), uploadedFiles(req.files), req.t);
    flash(req, 'success', 'volunteers.consent.recorded');
    res.redirect(303, backToNeed(req));
  });
  r.post('/org/:orgId/volunteers/needs/:needId/consent/:consentId/withdraw', needConsentForm, async (req, res) => {
    await guardian.withdraw(req.viewer, uuidParam(req, 'orgId'), needTarget(req), uuidParam(req, 'consentId'), parseInput(withdrawalSchema, req.body, req.t), req.t);
    flash(req, 'success', 'volunteers.consent.withdrawn');
    res.redirect(303, backToNeed(req));
  });

  r.post('/org/:orgId/volunteers/pairings/:pairingId/check-ins/:checkInId/review', pairingForm, async (req, res) => {
    await pairings.reviewCheckIn(req.viewer, uuidParam(req, 'orgId'), uuidParam(req, 'pairingId'), uuidParam(req, 'checkInId'), parseInput(reviewSchema, req.body, req.t).reviewNote);
    flash(req, 'success', 'volunteers.check_in.reviewed');
    res.redirect(303, `${backToPairing(req)}#check-ins`);
  });

  const orgVolunteerPage = async (req: Request) => {
    const orgId = uuidParam(req, 'orgId');
    const page = await volunteers.volunteerForOrganization(req.viewer, orgId, uuidParam(req, 'volunteerId'));
    const trainings = page.vetting.trainings.map((c) => `${c.completedOn} ${c.course}`).join('\n');
    return { title: page.displayName, orgId, ...page, choices: CHOICES, vettingValues: { ...page.vetting, trainings } };
  };
  const volunteerForm = form('volunteers/org-volunteer', orgVolunteerPage);
  r.get('/org/:orgId/volunteers/:volunteerId', async (req, res) => {
    res.render('volunteers/org-volunteer', await orgVolunteerPage(req));
  });
  r.post('/org/:orgId/volunteers/:volunteerId/vetting', volunteerForm, async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const volunteerId = uuidParam(req, 'volunteerId');
    await volunteers.recordVetting(req.viewer, orgId, volunteerId, parseInput(vettingSchema, req.body, req.t), req.t);
    flash(req, 'success', 'volunteers.vetting.saved');
    res.redirect(303, `/org/${orgId}/volunteers/${volunteerId}`);
  });
  r.post('/org/:orgId/volunteers/:volunteerId/pairings', volunteerForm, async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const created = await pairings.request(req.viewer, orgId, uuidParam(req, 'volunteerId'), parseInput(pairingSchema, req.body, req.t), req.t);
    flash(req, 'success', 'volunteers.pairing.requested');
    res.redirect(303, `/org/${orgId}/volunteers/pairings/${created.id}`);
  });
  r.post('/org/:orgId/volunteers/:volunteerId/messages', volunteerForm, async (req, res) => {
    const orgId = uuidParam(req, 'orgId');
    const volunteerId = uuidParam(req, 'volunteerId');
    await safeguarding.sendFromOrganization(req.viewer, orgId, volunteerId, parseInput(messageSchema, req.body, req.t).messageBody, req.t);
    res.redirect(303, `/org/${orgId}/volunteers/${volunteerId}#messages`);
  });

  return r;
}
