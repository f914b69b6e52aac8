import crypto from 'node:crypto';
import { Client } from 'pg';
import type { Socket } from 'socket.io-client';
import { createApp } from '../../../server/app';
import { testConfig } from '../../../server/config';
import { openDatabase, type DatabaseHandle } from '../../../server/db/client';
import { FieldCipher } from '../../../server/lib/crypto';
import { createLogger } from '../../../server/lib/logger';
import { Browser, startTestApp, type TestContext } from '../../support/app';
import { makeMember, makeOrg, PASSWORD } from '../../support/factories';
import { submitAndApprove } from '../../support/matching';
import { collect, listen, sessionCookie, settle, socketTo } from '../../support/server';
import { seedChildren } from '../../../server/demo/county';

describe('sockets on one node', () => {
  let ctx: TestContext;
  let server: Awaited<ReturnType<typeof listen>>;
  let orgA: string;
  let orgB: string;
  let adminA: { id: string; email: string };
  let memberB: { id: string; email: string };
  const sockets: Socket[] = [];

  beforeAll(async () => {
    ctx = await startTestApp();
    server = await listen({ app: ctx.app, services: ctx.services, state: ctx.state, sessionMiddleware: ctx.sessionMiddleware });
    orgA = (await makeOrg(ctx.database.db)).id;
    orgB = (await makeOrg(ctx.database.db)).id;
    adminA = await makeMember(ctx.database.db, orgA, ['admin']);
    memberB = await makeMember(ctx.database.db, orgB, ['admin', 'finance']);
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await server.close();
    await ctx.close();
  });

  it('knows the signed-in user: a socket hears its own organization’s private events and never another’s', async () => {
    const a = await socketTo(server.url, await sessionCookie(server.url, adminA.email, PASSWORD));
    const b = await socketTo(server.url, await sessionCookie(server.url, memberB.email, PASSWORD));
    const anon = await socketTo(server.url);
    sockets.push(a, b, anon);
    const gotA = collect(a, 'org-event');
    const gotB = collect(b, 'org-event');
    const gotAnon = collect(anon, 'org-event');
    ctx.services.hub.toOrganization(orgA, 'org-event', { secret: 'for A' });
    ctx.services.hub.toUser(memberB.id, 'org-event', { secret: 'for B only' });
    await settle();
    expect(gotA).toEqual([{ secret: 'for A' }]);
    expect(gotB).toEqual([{ secret: 'for B only' }]);
    expect(gotAnon).toEqual([]);
  });

  it('lets any socket watch public rooms, and refuses private rooms asked for by name', async () => {
    const anon = await socketTo(server.url);
    sockets.push(anon);
    const projectId = crypto.randomUUID();
    const ok = await anon.emitWithAck('watch', `project:${projectId}`);
    const sneaky = await anon.emitWithAck('watch', `org:${orgA}`);
    const userRoom = await anon.emitWithAck('watch', `user:${adminA.id}`);
    expect([ok, sneaky, userRoom]).toEqual([true, false, false]);
    const figures = collect(anon, 'figures');
    const leaked = collect(anon, 'org-event');
    ctx.services.hub.toProject(projectId, 'figures', { room: `project:${projectId}`, values: { raised: '1,200.00' } });
    ctx.services.hub.toOrganization(orgA, 'org-event', { secret: 'private' });
    await settle();
    expect(figures).toEqual([{ room: `project:${projectId}`, values: { raised: '1,200.00' } }]);
    expect(leaked).toEqual([]);
  });

  it('stores notifications, pushes them with the unread count, and the centre marks them read', async () => {
    const cookie = await sessionCookie(server.url, adminA.email, PASSWORD);
    const a = await socketTo(server.url, cookie);
    const b = await socketTo(server.url, await sessionCookie(server.url, memberB.email, PASSWORD));
    sockets.push(a, b);
    const pushedA = collect<{ kind: string; unread: number }>(a, 'notification');
    const pushedB = collect(b, 'notification');
    const sent = await ctx.services.notifications.notify({ organizationId: orgA, roles: ['admin'] }, 'expenditure_to_approve', {}, '/account');
    await ctx.services.notifications.notify({ userIds: [adminA.id] }, 'report_due');
    await settle();
    expect(sent).toBe(1);
    expect(pushedA.map((n) => [n.kind, n.unread])).toEqual([['expenditure_to_approve', 1], ['report_due', 2]]);
    expect(pushedB).toEqual([]);

    const browser = new Browser(ctx.app);
    await browser.logIn(adminA.email, PASSWORD);
    const centre = await browser.get('/notifications');
    expect(centre.text).toContain('有支出待第二人审批');
    expect(centre.text).toMatch(/data-unread-count>2</);
    const first = /action="\/notifications\/([0-9a-f-]{36})\/read"/.exec(centre.text)![1];
    const read = await browser.post(`/notifications/${first}/read`);
    expect(read.status).toBe(303);
    expect((await browser.get('/notifications')).text).toMatch(/data-unread-count>1</);
    await browser.post('/notifications/read-all');
    expect((await browser.get('/notifications')).text).toMatch(/data-unread-count>0</);
  });

  it('updates the public board’s count live when a need is published', async () => {
    const caseworker = await makeMember(ctx.database.db, orgA, ['caseworker']);
    const actor = (await ctx.services.accounts.loadActor(caseworker.id))!;
    await seedChildren(ctx.database.db, ctx.services.children, { organizationId: orgA, createdBy: caseworker.id, countyCode: '520324', count: 40, publish: 39, seed: 5 });
    await ctx.services.needs.reanonymize();
    const { total: before } = await ctx.services.needs.board({}, 1);
    const watcher = await socketTo(server.url);
    sockets.push(watcher);
    expect(await watcher.emitWithAck('watch', 'board')).toBe(true);
    const figures = collect<{ room: string; values: { total: string } }>(watcher, 'figures');
    const draft = (await ctx.database.db.query.needs.findMany()).find((n) => n.status === 'draft')!;
    await submitAndApprove(ctx, actor, orgA, draft.id);
    await settle();
    expect(figures).toEqual([{ room: 'board', values: { total: String(before + 1) } }]);
  });

  it('does not let one person mark another’s notification read', async () => {
    await ctx.services.notifications.notify({ userIds: [memberB.id] }, 'hours_to_approve');
    const [row] = (await ctx.services.notifications.list((await ctx.services.accounts.loadActor(memberB.id))!, 1)).notifications;
    const browser = new Browser(ctx.app);
    await browser.logIn(adminA.email, PASSWORD);
    expect((await browser.post(`/notifications/${row.id}/read`)).status).toBe(404);
  });
});

describe('several app nodes on one PostgreSQL database', () => {
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `carebridge_nodes_${crypto.randomBytes(4).toString('hex')}`;
  const handles: DatabaseHandle[] = [];
  const servers: Array<Awaited<ReturnType<typeof listen>>> = [];

  beforeAll(async () => {
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database "${name}"`);
    await admin.end();
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    for (const h of handles) await h.close();
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
  });

  it('delivers an event raised on node 1 to a socket connected to node 2', async () => {
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    const cipher = new FieldCipher(crypto.randomBytes(32));
    const nodes = [];
    for (let i = 0; i < 2; i++) {
      const database = await openDatabase({ databaseUrl: url.toString(), dataDir: '', logger: createLogger('silent') });
      handles.push(database);
      const created = createApp({ config: testConfig({ databaseUrl: url.toString() }), database, logger: createLogger('silent'), cipher });
      const server = await listen(created, database.pool);
      servers.push(server);
      nodes.push({ created, server });
    }
    const socket = await socketTo(nodes[1].server.url);
    const projectId = crypto.randomUUID();
    expect(await socket.emitWithAck('watch', `project:${projectId}`)).toBe(true);
    const got = collect(socket, 'figures');
    await settle(300);
    nodes[0].created.services.hub.toProject(projectId, 'figures', { room: `project:${projectId}`, values: { raised: '88.00' } });
    for (let i = 0; i < 40 && got.length === 0; i++) await settle(50);
    expect(got).toEqual([{ room: `project:${projectId}`, values: { raised: '88.00' } }]);
    socket.close();
  });
});
