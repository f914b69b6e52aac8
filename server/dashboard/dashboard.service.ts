import ExcelJS from 'exceljs';
import { sql, type SQL } from 'drizzle-orm';
import type { ReadTogether, Tx } from '../db/client';
import type { AuditService } from '../audit/audit.service';
import { ForbiddenError, NotFoundError } from '../lib/errors';
import type { Translate } from '../lib/i18n';
import { children as regionChildren, isRemoteTownship, regionByCode, type Region } from '../lib/regions';
import { requireSignedIn, type Viewer } from '../lib/authorization';
import { chinaDate } from '../children/id-number.rules';
import { VISIT_INTERVAL_DAYS } from '../needs/needs.rules';
import { bars, coverageRate, drillDown } from './dashboard.rules';

/** One row of the dashboard: the figures of one region. */
export interface RegionFigures {
  code: string;
  name: string;
  remote: boolean | null;
  /** The row of the region itself: what is known only at its level, not one level below (see CONTEXT.md). */
  unplaced: boolean;
  children: number;
  needsOpen: number;
  needsBeingHelped: number;
  needsMet: number;
  coverage: number | null;
  /** Median days from publication to the start of help, over needs whose help started; null when none. */
  medianWaitDays: number | null;
  overdueVisits: number;
  overdueFollowUps: number;
  volunteerMinutes: number;
  neededFen: number;
  raisedFen: number;
  /** Needed − raised; negative when more was raised than open needs ask for. */
  gapFen: number;
  duplicatesPrevented: number;
}

/** Figures that add up from rows to the region's total. */
const ADDITIVE = ['children', 'needsOpen', 'needsBeingHelped', 'needsMet', 'overdueVisits', 'overdueFollowUps', 'volunteerMinutes', 'neededFen', 'raisedFen', 'gapFen', 'duplicatesPrevented'] as const;

export interface Dashboard {
  region: Region | null;
  path: Region[];
  rowLevel: string;
  rows: RegionFigures[];
  totals: RegionFigures;
  remoteVsCentral: { remote: RegionFigures; central: RegionFigures } | null;
  chart: ReturnType<typeof bars>;
  /** Funding gap per row, for the second chart (only rows with a gap). */
  gapChart: ReturnType<typeof bars>;
}

type Row = Record<string, unknown>;
/** How the three statements' rows meet: by the row's code as SQL gave it, '' for the row without one. */
const rowKey = (code: unknown): string => (code === null ? '' : String(code));
interface Medians {
  rows: Map<string, number>;
  remote: number | null;
  central: number | null;
  total: number | null;
}

/**
 * Room to hash and sort a province's records in memory (the default 4 MB spills to disk), and
 * no JIT: compiling these plans took longer (~0.15 s each) than the part of running them it saves.
 */
const ROOMY = [sql`set local work_mem = '64MB'`, sql`set local jit = off`];

export class DashboardService {
  constructor(private readonly deps: { readTogether: ReadTogether; audit: AuditService; now?: () => Date }) {}

  /** Rule: government offices (verified) and platform admins read the dashboard. */
  private authorize(viewer: Viewer): void {
    const actor = requireSignedIn(viewer);
    const government = actor.memberships.some((m) => m.organizationKind === 'government' && m.organizationStatus === 'verified');
    if (!actor.isPlatformAdmin && !government) throw new ForbiddenError('dashboard');
  }

  /**
   * Figures per region one level below `regionCode` (the country when none), computed in SQL
   * from the records themselves so they reconcile exactly: children registered, needs open /
   * being helped / met, coverage, median wait, overdue visits and follow-ups, approved volunteer
   * hours, money needed and raised and the gap, duplicate help prevented — and, inside a county,
   * remote townships (乡/镇) against central ones (街道). Rows add up to the total (medians
   * and rates are computed for the whole, not summed).
   */
  async figures(viewer: Viewer, regionCode?: string): Promise<Dashboard> {
    this.authorize(viewer);
    const region = regionCode ? regionByCode(regionCode) ?? null : null;
    if (regionCode && !region) throw new NotFoundError('region');
    const { rowLevel, prefix, filterDigits } = drillDown(region?.code, region?.level);
    const today = chinaDate(this.deps.now?.() ?? new Date());
    const cutoff = new Date(Date.parse(`${today}T00:00:00Z`) - VISIT_INTERVAL_DAYS * 86_400_000).toISOString().slice(0, 10);
    // A prefix match rather than left(…) = …: the planner estimates it from the column's (or
    // the indexed expression's) statistics, so a province is known to be most rows and a county few.
    const within = (place: SQL) => (filterDigits ? sql`${place} like ${`${region!.code.slice(0, filterDigits)}%`}` : sql`true`);
    const keyOf = (place: SQL) => sql`nullif(left(${place}, ${sql.raw(String(prefix))}), '')`;
    // Every child has a county; townships come from the village code when the record has one.
    const childPlace = sql`coalesce(c.township_code, c.county_code)`;
    const todayDate = sql`${today}::date`;
    // Remote (乡/镇) and central (街道) townships of the county, from the division names, for the medians' sides.
    const townships = rowLevel === 'township' && region ? regionChildren(region.code.slice(0, 6)).filter((r) => r.level === 'township') : [];
    const remoteCodes = townships.filter((r) => isRemoteTownship(r.code)).map((r) => r.code);
    const centralCodes = townships.filter((r) => !isRemoteTownship(r.code)).map((r) => r.code);
    // Three statements that read one snapshot, on a server at the same time: additive counts,
    // duplicate help prevented (the heaviest), medians.
    const [counts, prevented, medians] = await this.deps.readTogether<[Row[], Row[], Medians]>(ROOMY, [
      (tx) => this.counts(tx, within, keyOf, childPlace, todayDate, cutoff, filterDigits ? region!.code.slice(0, 2) : null),
      (tx) => this.duplicatesPrevented(tx, within(childPlace), keyOf(childPlace), todayDate),
      (tx) => this.medianWaits(tx, within(childPlace), keyOf(childPlace), remoteCodes, centralCodes),
    ]);
    const preventedByCode = new Map(prevented.map((r) => [rowKey(r.code), Number(r.n)]));

    const place = (raw: unknown): { code: string; info: Region | undefined } => {
      const code = raw === null ? '' : String(raw).length < 6 ? String(raw).padEnd(6, '0') : String(raw);
      return { code, info: code ? regionByCode(code) : undefined };
    };
    const remoteOf = (code: string, info: Region | undefined): boolean | null => (rowLevel === 'township' && info?.level === 'township' ? isRemoteTownship(code) : null);
    const codes = counts.map((r) => place(r.code));
    const regionOwnCode = region?.code ?? '';
    const rows: RegionFigures[] = counts.map((r, i) => {
      const { code, info } = codes[i];
      const unplaced = code === regionOwnCode || (rowLevel === 'township' && info?.level !== 'township') || !info;
      const figures: RegionFigures = {
        code,
        name: info?.name ?? (code || ''),
        remote: remoteOf(code, info),
        unplaced,
        children: Number(r.children),
        needsOpen: Number(r.needs_open),
        needsBeingHelped: Number(r.needs_being_helped),
        needsMet: Number(r.needs_met),
        coverage: null,
        medianWaitDays: medians.rows.get(rowKey(r.code)) ?? null,
        overdueVisits: Number(r.overdue_visits),
        overdueFollowUps: Number(r.overdue_follow_ups),
        volunteerMinutes: Number(r.volunteer_minutes),
        neededFen: Number(r.needed_fen),
        raisedFen: Number(r.raised_fen),
        gapFen: Number(r.needed_fen) - Number(r.raised_fen),
        duplicatesPrevented: preventedByCode.get(rowKey(r.code)) ?? 0,
      };
      figures.coverage = coverageRate({ open: figures.needsOpen, beingHelped: figures.needsBeingHelped, met: figures.needsMet });
      return figures;
    });
    const sum = (list: RegionFigures[], code: string, name: string, medianWaitDays: number | null): RegionFigures => {
      const t = { code, name, remote: null, unplaced: false, coverage: null, medianWaitDays } as RegionFigures;
      for (const k of ADDITIVE) t[k] = list.reduce((a, r) => a + r[k], 0);
      return { ...t, coverage: coverageRate({ open: t.needsOpen, beingHelped: t.needsBeingHelped, met: t.needsMet }) };
    };
    const totals = sum(rows, regionOwnCode, region?.name ?? '', medians.total);
    const path: Region[] = [];
    for (let r = region; r; r = r.parentCode ? regionByCode(r.parentCode) ?? null : null) path.unshift(r);
    const placed = rows.filter((r) => !r.unplaced);
    return {
      region,
      path,
      rowLevel,
      rows,
      totals,
      remoteVsCentral:
        rowLevel === 'township' ? { remote: sum(rows.filter((r) => r.remote === true), 'remote', '', medians.remote), central: sum(rows.filter((r) => r.remote === false), 'central', '', medians.central) } : null,
      chart: bars(placed.map((r) => ({ label: r.name, value: r.coverage ?? 0 }))),
      gapChart: bars(placed.filter((r) => r.gapFen > 0).map((r) => ({ label: r.name, value: Math.round(r.gapFen / 100) }))),
    };
  }

  /** Per row: children, overdue visits, needs by status, money needed, overdue follow-ups, volunteer minutes, money raised. */
  private async counts(tx: Tx, within: (place: SQL) => SQL, keyOf: (place: SQL) => SQL, childPlace: SQL, todayDate: SQL, cutoff: string, province: string | null): Promise<Row[]> {
    const result = (await tx.execute(sql`
      with kids as materialized (
        select c.id, ${keyOf(childPlace)} as code, c.last_visit_on
        from children c where c.archived_at is null and ${within(childPlace)}
      ),
      kid_needs as materialized (
        select n.id, n.status, n.amount_fen, k.code
        from kids k join needs n on n.child_id = k.id
      ),
      gifts as (
        select lp.project_id, -sum(lp.amount_fen) as fen from ledger_postings lp where lp.account_type = 'donors' and lp.project_id is not null group by lp.project_id
      ),
      project_place as materialized (
        select g.fen, coalesce((
          select case length(s.stem) when 2 then s.stem || '0000' when 4 then s.stem || '00' else s.stem end
          from (
            select l, min(left(st.stem, l)) as stem, count(distinct left(st.stem, l)) as n, min(length(st.stem)) as shortest
            from unnest(p.region_codes) as rc(code)
            cross join lateral (select case when length(rc.code) <> 6 then rc.code when right(rc.code, 4) = '0000' then left(rc.code, 2) when right(rc.code, 2) = '00' then left(rc.code, 4) else rc.code end as stem) st
            cross join unnest(array[2, 4, 6, 9, 12]) as l
            group by l
          ) s where s.n = 1 and s.shortest >= s.l order by s.l desc limit 1), '') as place
        from gifts g join projects p on p.id::text = g.project_id
        -- Only projects with a code in the region's province can be placed inside the region.
        where ${province ? sql`exists (select 1 from unnest(p.region_codes) as rc(code) where rc.code like ${`${province}%`})` : sql`true`}
      )
      select code,
        sum(children)::int as children, sum(overdue_visits)::int as overdue_visits, sum(needs_open)::int as needs_open,
        sum(needs_being_helped)::int as needs_being_helped, sum(needs_met)::int as needs_met, sum(needed_fen)::bigint as needed_fen,
        sum(overdue_follow_ups)::int as overdue_follow_ups, sum(volunteer_minutes)::bigint as volunteer_minutes, sum(raised_fen)::bigint as raised_fen
      from (
        select k.code, count(*) as children,
          count(*) filter (where k.last_visit_on is null or k.last_visit_on < ${cutoff}::date) as overdue_visits,
          0 as needs_open, 0 as needs_being_helped, 0 as needs_met, 0 as needed_fen,
          0 as overdue_follow_ups, 0 as volunteer_minutes, 0 as raised_fen
        from kids k group by k.code
        union all
        select n.code, 0, 0,
          count(*) filter (where n.status in ('published','matched')),
          count(*) filter (where n.status = 'being_helped'),
          count(*) filter (where n.status = 'met'),
          coalesce(sum(n.amount_fen) filter (where n.status in ('published','matched')), 0),
          0, 0, 0
        from kid_needs n group by n.code
        union all
        select n.code, 0, 0, 0, 0, 0, 0, count(*), 0, 0
        from kid_needs n join help_records h on h.need_id = n.id join follow_ups fu on fu.help_record_id = h.id
        where h.status = 'in_progress' and fu.done_on is null and fu.due_on < ${todayDate} group by n.code
        union all
        select ${keyOf(sql`hl.region_code`)}, 0, 0, 0, 0, 0, 0, 0, sum(hl.minutes), 0
        from hour_logs hl where hl.status = 'approved' and hl.region_code is not null and ${within(sql`hl.region_code`)} group by 1
        union all
        select ${keyOf(sql`pp.place`)}, 0, 0, 0, 0, 0, 0, 0, 0, sum(pp.fen)
        from project_place pp where ${within(sql`pp.place`)} group by 1
      ) x
      group by code
      order by code nulls first`)) as unknown as { rows: Row[] };
    return result.rows;
  }

  /**
   * Per row: open needs in the region that matching keeps from duplicate help (see CONTEXT.md),
   * looked up against the same child's records in any organization.
   */
  private async duplicatesPrevented(tx: Tx, within: SQL, key: SQL, todayDate: SQL): Promise<Row[]> {
    const result = (await tx.execute(sql`
      with open_here as materialized (
        select n.id, n.child_id, ${key} as code, n.kind, n.urgency, c.risk_level, c.id_hash, coalesce(c.id_hash, 'child:' || c.id::text) as ck, pn.published_at,
          greatest(coalesce(n.start_on, ${todayDate}), ${todayDate}) as f, coalesce(n.end_on, 'infinity'::date) as u
        from children c join needs n on n.child_id = c.id left join published_needs pn on pn.need_id = n.id
        where n.status = 'published' and c.archived_at is null and ${within}
      ),
      same_child as materialized (
        -- Records of the same child (the same ID number) in any organization, archived or not;
        -- a record without an ID number is only itself.
        select o.id as need_id, c.id as child_id, c.archived_at is null as current, c.risk_level from open_here o join children c on c.id_hash = o.id_hash
        union all
        select o.id, o.child_id, true, o.risk_level from open_here o where o.id_hash is null
      ),
      prevented as (
        -- Active help of the kind: help in progress, or an accepted proposal (for the overlap of the need and the project).
        select o.id, o.code from open_here o
          join help_records h on h.child_key = o.ck and h.kind = o.kind and h.status = 'in_progress'
          where h.start_on <= o.u and o.f <= coalesce(h.end_on, 'infinity'::date)
        union
        select o.id, o.code from open_here o
          join same_child s on s.need_id = o.id
          join needs n on n.child_id = s.child_id and n.kind = o.kind
          join match_proposals mp on mp.need_id = n.id and mp.status = 'accepted'
          join projects p on p.id = mp.project_id
          where greatest(p.start_on, ${todayDate}) <= o.u and o.f <= least(coalesce(n.end_on, 'infinity'::date), p.end_on)
        union
        -- Another open need of the same child and kind, overlapping, that matching ranks first.
        select o.id, o.code from open_here o
          join same_child s on s.need_id = o.id and s.current
          join needs m on m.child_id = s.child_id and m.kind = o.kind and m.status = 'published' and m.id <> o.id
          left join published_needs pm on pm.need_id = m.id
          where greatest(coalesce(m.start_on, ${todayDate}), ${todayDate}) <= o.u and o.f <= coalesce(m.end_on, 'infinity'::date)
            and (-m.urgency, s.risk_level, pm.published_at, m.id) < (-o.urgency, o.risk_level, o.published_at, o.id)
      )
      select code, count(*)::int as n from prevented group by code`)) as unknown as { rows: Row[] };
    return result.rows;
  }

  /**
   * Median wait (days from a need's publication to the start of its first help) per row, for
   * remote and central townships, and for the whole region: medians do not add up, so SQL
   * computes each group (grouping sets) rather than the rows being combined.
   */
  private async medianWaits(tx: Tx, within: SQL, key: SQL, remote: string[], central: string[]): Promise<Medians> {
    const result = (await tx.execute(sql`
      with waits as (
        select ${key} as code, (min(h.start_on) - (pn.published_at at time zone 'Asia/Shanghai')::date) as days
        from needs n
        join children c on c.id = n.child_id
        join published_needs pn on pn.need_id = n.id
        join help_records h on h.need_id = n.id
        where c.archived_at is null and ${within}
        group by n.id, 1, pn.published_at
      ),
      sided as (
        -- Region codes are digits only, so a comma-joined list is a safe way to pass a possibly empty set.
        select w.code, w.days, case when w.code = any(string_to_array(${remote.join(',')}, ',')) then 'remote' when w.code = any(string_to_array(${central.join(',')}, ',')) then 'central' end as side
        from waits w
      )
      select grouping(code) as by_code, grouping(side) as by_side, code, side, percentile_cont(0.5) within group (order by days) as median
      from sided
      group by grouping sets ((code), (side), ())`)) as unknown as { rows: Row[] };
    const out: Medians = { rows: new Map(), remote: null, central: null, total: null };
    const round = (v: unknown) => (v === null ? null : Math.round(Number(v) * 10) / 10);
    for (const r of result.rows) {
      const m = round(r.median);
      if (Number(r.by_code) === 0) out.rows.set(rowKey(r.code), m!);
      else if (Number(r.by_side) === 0) {
        if (r.side === 'remote') out.remote = m;
        else if (r.side === 'central') out.central = m;
      } else out.total = m;
    }
    return out;
  }

  /** The same figures as an .xlsx workbook, headed in the viewer's language; the export is audited. */
  async exportXlsx(viewer: Viewer, regionCode: string | undefined, t: Translate): Promise<Buffer> {
    const data = await this.figures(viewer, regionCode);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet(t('dashboard.title'));
    ws.addRow([`${t('dashboard.title')} · ${data.path.map((r) => r.name).join(' / ') || t('dashboard.country')}`]);
    // Every column of the page, in its order; money in yuan, rates as percentages, hours as hours.
    const columns: Array<{ head: string; value: (r: RegionFigures) => number | string; format?: string }> = [
      { head: 'dashboard.col.children', value: (r) => r.children },
      { head: 'dashboard.col.open', value: (r) => r.needsOpen },
      { head: 'dashboard.col.being_helped', value: (r) => r.needsBeingHelped },
      { head: 'dashboard.col.met', value: (r) => r.needsMet },
      { head: 'dashboard.col.coverage', value: (r) => (r.coverage === null ? '' : Math.round(r.coverage * 10) / 1000), format: '0.0%' },
      { head: 'dashboard.col.median_wait', value: (r) => r.medianWaitDays ?? '', format: '0.0' },
      { head: 'dashboard.col.overdue_visits', value: (r) => r.overdueVisits },
      { head: 'dashboard.col.overdue_follow_ups', value: (r) => r.overdueFollowUps },
      { head: 'dashboard.col.volunteer_hours', value: (r) => r.volunteerMinutes / 60, format: '0.0' },
      { head: 'dashboard.col.needed', value: (r) => r.neededFen / 100, format: '#,##0.00' },
      { head: 'dashboard.col.raised', value: (r) => r.raisedFen / 100, format: '#,##0.00' },
      { head: 'dashboard.col.gap', value: (r) => r.gapFen / 100, format: '#,##0.00' },
      { head: 'dashboard.col.duplicates_prevented', value: (r) => r.duplicatesPrevented },
    ];
    ws.addRow([t('dashboard.col.region'), ...columns.map((c) => t(c.head))]);
    const named = (r: RegionFigures) => (r.unplaced ? t('dashboard.unplaced', { name: r.name || t('dashboard.country') }) : r.name);
    for (const r of [...data.rows.map((row) => ({ ...row, name: named(row) })), { ...data.totals, name: t('dashboard.total') }]) ws.addRow([r.name, ...columns.map((c) => c.value(r))]);
    if (data.remoteVsCentral) for (const [label, r] of [[t('dashboard.remote'), data.remoteVsCentral.remote], [t('dashboard.central'), data.remoteVsCentral.central]] as const) ws.addRow([label, ...columns.map((c) => c.value(r))]);
    columns.forEach((c, i) => {
      if (c.format) ws.getColumn(i + 2).numFmt = c.format;
    });
    ws.getColumn(1).width = 24;
    const actor = requireSignedIn(viewer);
    await this.deps.audit.record({ actorUserId: actor.userId, action: 'dashboard.export', subjectType: 'region', subjectId: regionCode ?? null });
    return Buffer.from(await wb.xlsx.writeBuffer());
  }
}
