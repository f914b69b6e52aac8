/**
 * Realtime benchmark: N sockets watch one project's room; a gift broadcast is timed from the
 * server's emit to each socket's receipt. Prints median and p99 delivery latency.
 * Usage: npx tsx scripts/bench-realtime.ts [sockets=2000] [broadcasts=20]
 */
import crypto from 'node:crypto';
import { createApp } from '../server/app';
import { testConfig } from '../server/config';
import { openDatabase } from '../server/db/client';
import { FieldCipher } from '../server/lib/crypto';
import { createLogger } from '../server/lib/logger';
import { listen, socketTo } from '../test/support/server';

async function main() {
  const socketsWanted = Number(process.argv[2] ?? 2000);
  const broadcasts = Number(process.argv[3] ?? 20);
  const logger = createLogger('silent');
  const database = await openDatabase({ dataDir: '', logger, memory: true });
  const created = createApp({ config: testConfig(), database, logger, cipher: new FieldCipher(crypto.randomBytes(32)) });
  const server = await listen(created);
  const room = `project:${crypto.randomUUID()}`;

  const t0 = Date.now();
  const sockets = [];
  for (let i = 0; i < socketsWanted; i += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, socketsWanted - i) }, () => socketTo(server.url)));
    await Promise.all(batch.map((s) => s.emitWithAck('watch', room)));
    sockets.push(...batch);
  }
  const connectMs = Date.now() - t0;

  const latencies: number[] = [];
  for (let b = 0; b < broadcasts; b++) {
    const received = Promise.all(
      sockets.map(
        (s) =>
          new Promise<void>((resolve) =>
            s.once('figures', (u: { sentAt: number }) => {
              latencies.push(performance.timeOrigin + performance.now() - u.sentAt);
              resolve();
            }),
          ),
      ),
    );
    created.services.hub.toProject(room.slice(8), 'figures', { room, values: { raised: String(b) }, sentAt: performance.timeOrigin + performance.now() });
    await received;
    await new Promise((r) => setTimeout(r, 50));
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))].toFixed(1);
  console.log('| sockets | broadcasts | deliveries | connect all (ms) | median (ms) | p99 (ms) | max (ms) |');
  console.log('|---|---|---|---|---|---|---|');
  console.log(`| ${sockets.length} | ${broadcasts} | ${latencies.length} | ${connectMs} | ${pct(50)} | ${pct(99)} | ${latencies[latencies.length - 1].toFixed(1)} |`);
  sockets.forEach((s) => s.close());
  await server.close();
  await database.close();
  process.exit(0);
}
main().catch((err) => {
  console.error(err);
  process.exit(1);
});
