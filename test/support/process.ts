import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { onServer } from './db';

/** The repository root, where `npm start` runs. */
export const ROOT = path.join(__dirname, '../..');

export interface RunningServer {
  child: ChildProcess;
  port: number;
  base: string;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts the real server (`server/index.ts` under tsx's loader, as `npm start` does) and resolves
 * once it listens. Node runs the server itself, with no wrapper process between: a signal sent to
 * `child` — SIGKILL included — reaches the server.
 */
export function startServer(env: Record<string, string>, timeoutMs = 60_000): Promise<RunningServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/index.ts'], { cwd: ROOT, env: { PATH: process.env.PATH!, HOME: os.homedir(), PORT: '0', HOST: '127.0.0.1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start:\n${out}`));
    }, timeoutMs);
    const check = () => {
      const m = /"msg":"listening".*?"port":(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]), base: `http://127.0.0.1:${m[1]}`, output: () => out, exited });
      }
    };
    child.stdout!.on('data', check);
    exited.then(() => {
      clearTimeout(timer);
      if (!/"msg":"listening"/.test(out)) reject(new Error(`server exited before listening:\n${out}`));
    });
  });
}

/**
 * A database of its own for a process test: an empty database on the server (dropped by
 * `cleanup`) when the suite runs against PostgreSQL, otherwise a fresh data directory.
 * `env` is what the process needs to find it.
 */
export async function scratchDatabase(tag: string): Promise<{ env: Record<string, string>; dataDir: string; cleanup: () => Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `carebridge-${tag}-`));
  const removeDir = async () => fs.rmSync(dataDir, { recursive: true, force: true });
  if (!onServer) return { env: { DATA_DIR: dataDir }, dataDir, cleanup: removeDir };
  const name = `${process.env.CAREBRIDGE_TEST_TEMPLATE_DB}_${tag}_${crypto.randomBytes(3).toString('hex')}`;
  const run = async (statement: string) => {
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    await admin.query(statement);
    await admin.end();
  };
  await run(`create database "${name}"`);
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  return {
    env: { DATABASE_URL: url.toString(), DATA_DIR: dataDir },
    dataDir,
    cleanup: async () => {
      await run(`drop database if exists "${name}" with (force)`);
      await removeDir();
    },
  };
}
