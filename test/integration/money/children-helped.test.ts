import { startTestApp, type TestContext } from '../../support/app';
import { helpFixture, orgWith } from '../../support/matching';

/** Fund-use reports say how many children were helped — a count from the help records, never who. */
let ctx: TestContext;
beforeAll(async () => {
  ctx = await startTestApp();
});
afterAll(() => ctx.close());

it('counts the children a project has helped on its public fund-use report and its organization’s', async () => {
  const { org, members } = await orgWith(ctx, 'charity', '520324', [['admin', 'staff'], ['caseworker']]);
  const { projectId } = await helpFixture(ctx, { orgId: org.id, admin: members[0].actor, caseworker: members[1].actor });
  const projectReport = await ctx.services.funds.projectReport(projectId);
  expect(projectReport.childrenHelped).toBe(1);
  const orgReport = await ctx.services.funds.organizationReport(org.id);
  expect(orgReport.childrenHelped).toBe(1);
});
