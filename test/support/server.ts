import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { io as connect, type Socket } from 'socket.io-client';
import { startRealtime } from '../../server/realtime/socket';
import { createLogger } from '../../server/lib/logger';
import type { createApp } from '../../server/app';

/** The app on a real HTTP server with Socket.IO, as production runs it, on a loopback port. */
export async function listen(created: ReturnType<typeof createApp>, pool?: import('pg').Pool) {
  const server = http.createServer(created.app);
  const io = startRealtime({ httpServer: server, sessionMiddleware: created.sessionMiddleware, accounts: created.services.accounts, hub: created.services.hub, logger: createLogger('silent'), pool });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: async () => {
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}

/** Logs in through the real form and returns the session cookie header. */
export async function sessionCookie(url: string, email: string, password: string): Promise<string> {
  const page = await fetch(`${url}/login`);
  const csrfCookie = (page.headers.get('set-cookie') ?? '').split(';')[0];
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1];
  const res = await fetch(`${url}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookie },
    body: new URLSearchParams({ _csrf: token, email, password }).toString(),
  });
  if (res.status !== 303) throw new Error(`log-in failed: ${res.status}`);
  const sid = res.headers.getSetCookie().find((c) => c.startsWith('cb.sid='))!.split(';')[0];
  return `${csrfCookie}; ${sid}`;
}

/** A Socket.IO client, optionally carrying a session cookie; resolves once connected. */
export async function socketTo(url: string, cookie?: string): Promise<Socket> {
  const socket = connect(url, { transports: ['websocket'], extraHeaders: cookie ? { cookie } : {}, forceNew: true, reconnection: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Collects every event of one name a socket receives. */
export function collect<T = unknown>(socket: Socket, event: string): T[] {
  const got: T[] = [];
  socket.on(event, (payload: T) => got.push(payload));
  return got;
}

export const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));
