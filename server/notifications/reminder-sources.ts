import { chinaDate } from '../children/id-number.rules';
import { CHILD_RECORD_ROLES } from '../children/children.service';
import type { HelpRecordsService } from '../matching/help-records.service';
import { PROJECT_ROLES } from '../projects/projects.service';
import type { PairingsService } from '../volunteers/pairings.service';
import { PAIRING_APPROVERS } from '../volunteers/volunteers.rules';
import type { Reminder, ReminderSource } from './reminders';

/**
 * Overdue follow-ups (回访), to both organizations of the help: the child's caseworkers and the
 * project's staff. Once per follow-up: recording it schedules a new one, which has its own key.
 */
export function overdueFollowUpReminders(helpRecords: Pick<HelpRecordsService, 'overdueFollowUps'>): ReminderSource {
  return async (now) => {
    const due = await helpRecords.overdueFollowUps(chinaDate(now));
    return due.flatMap((f): Reminder[] => {
      const params = { dueOn: f.dueOn, code: f.publicCode ?? '' };
      return [
        { key: `follow_up_overdue:${f.followUpId}:need`, audience: { organizationId: f.needOrganizationId, roles: CHILD_RECORD_ROLES }, kind: 'follow_up_overdue', params, link: `/org/${f.needOrganizationId}/matches` },
        { key: `follow_up_overdue:${f.followUpId}:project`, audience: { organizationId: f.projectOrganizationId, roles: PROJECT_ROLES }, kind: 'follow_up_overdue', params, link: `/org/${f.projectOrganizationId}/proposals` },
      ];
    });
  };
}

/**
 * Missed check-ins (定期联系), to the pairing's caseworkers and to the volunteer. Once per due day:
 * a later check-in moves the schedule on, and a missed new due day is a new reminder.
 */
export function missedCheckInReminders(pairings: Pick<PairingsService, 'missedCheckIns'>): ReminderSource {
  return async (now) => {
    const missed = await pairings.missedCheckIns(undefined, chinaDate(now));
    return missed.flatMap((m): Reminder[] => {
      const params = { nickname: m.nickname, dueOn: m.schedule.dueOn, days: m.schedule.daysOverdue };
      return [
        { key: `check_in_missed:${m.pairingId}:${m.schedule.dueOn}:org`, audience: { organizationId: m.organizationId, roles: PAIRING_APPROVERS, exceptUserIds: [m.volunteerUserId] }, kind: 'check_in_missed', params, link: `/org/${m.organizationId}/volunteers/pairings/${m.pairingId}` },
        { key: `check_in_missed:${m.pairingId}:${m.schedule.dueOn}:volunteer`, audience: { userIds: [m.volunteerUserId] }, kind: 'check_in_missed', params, link: `/volunteer/pairings/${m.pairingId}` },
      ];
    });
  };
}
