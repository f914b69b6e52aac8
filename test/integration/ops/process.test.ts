import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { onServer } from '../../support/db';
import { ROOT, scratchDatabase, startServer } from '../../support/process';

const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

/** Runs the process to completion (for start-up failures) and returns its exit code and output. */
function runToExit(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  const child = spawn(TSX, ['server/index.ts'], { cwd: ROOT, env: { PATH: process.env.PATH!, HOME: os.homedir(), PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

async function logInDemoAdmin(port: number): Promise<number> {
  const base = `http://127.0.0.1:${port}`;
  const page = await fetch(`${base}/login`);
  const cookie = (page.headers.get('set-cookie') ?? '').split(';')[0];
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1];
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ _csrf: token, email: 'admin@carebridge.demo', password: 'carebridge-demo-2026' }).toString(),
  });
  return res.status;
}

/** Opens a connection and sends half a request, so the request is in flight when we signal. */
function halfRequest(port: number): Promise<{ finish: () => Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write('GET /organizations HTTP/1.1\r\nHost: localhost\r\n');
      let data = '';
      socket.on('data', (d) => (data += d));
      resolve({
        finish: () =>
          new Promise((done) => {
            socket.on('end', () => done(data));
            socket.on('close', () => done(data));
            socket.write('Connection: close\r\n\r\n');
          }),
      });
    });
    socket.on('error', reject);
  });
}

let databaseEnv: Record<string, string>;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const scratch = await scratchDatabase('proc');
  databaseEnv = scratch.env;
  cleanup = scratch.cleanup;
});
afterAll(() => cleanup());

it('refuses to start on a bad configuration, naming the variable', async () => {
  const { code, output } = await runToExit({ ...databaseEnv, PORT: 'eighty', LOG_LEVEL: 'loud' });
  expect(code).toBe(78);
  expect(output).toContain('PORT must be a number (got "eighty")');
  expect(output).toContain('LOG_LEVEL must be');
});

it('starts with demo data, finishes in-flight requests on SIGTERM, and keeps its data across a restart', async () => {
  const first = await startServer(databaseEnv);
  expect(first.output()).toContain('admin@carebridge.demo');
  const home = await fetch(`http://127.0.0.1:${first.port}/`);
  expect(await home.text()).toContain('关爱桥');
  expect(await logInDemoAdmin(first.port)).toBe(303);

  if (!onServer) {
    // A second process on the same data directory would corrupt it: it must refuse.
    const second = await runToExit({ ...databaseEnv });
    expect(second.code).toBe(75);
    expect(second.output).toContain('is already in use by another CareBridge process');
  }

  const inFlight = await halfRequest(first.port);
  first.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  const response = await inFlight.finish();
  expect(response).toMatch(/^HTTP\/1\.1 200/);
  expect(response).toContain('已认证的公益机构');
  expect(await first.exited).toBe(0);
  expect(first.output()).toContain('"msg":"shutdown complete"');
  if (!onServer) {
    expect(fs.existsSync(path.join(databaseEnv.DATA_DIR, 'carebridge.lock'))).toBe(false);
    expect(fs.readdirSync(path.join(databaseEnv.DATA_DIR, 'backups')).length).toBe(1);
  }

  const again = await startServer(databaseEnv);
  expect(again.output()).not.toContain('demo data seeded');
  expect(await logInDemoAdmin(again.port)).toBe(303);
  again.child.kill('SIGTERM');
  expect(await again.exited).toBe(0);
}, 180_000);
