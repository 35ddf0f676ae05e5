/** What the conversion browser tests add to harness.ts: a big-file server, memory sampling. */
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { basename } from 'node:path';
import type { BrowserContext, CDPSession, Page } from 'playwright-core';

/** Serves one file on 127.0.0.1, readable cross-origin, streamed from disk. */
export async function serveFile(path: string): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (req.url !== `/${basename(path)}`) return void res.writeHead(404).end();
    res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': statSync(path).size });
    createReadStream(path).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/${basename(path)}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export interface MemoryPeaks {
  /** Peak of V8 heap + embedder heap + ArrayBuffer backing stores, per JS context (CDP Runtime.getHeapUsage). */
  pageBytes: number;
  workerBytes: number;
  /** The workers' heap when stopped, after a forced garbage collection: what they retain, without the peaks' noise. */
  workerRetainedBytes: number;
  /** Peak resident set size of the largest Chromium process of each type, and of all summed (Linux /proc). */
  rssBytes: Record<string, number>;
  /** The same at the first sample, before the work being measured. */
  startRssBytes: Record<string, number>;
  samples: number;
}

/** Chromium's processes below this test process, with their --type (browser for the main one). */
function chromiumProcesses(): { type: string; rss: number }[] {
  const parents = new Map<number, number>();
  for (const name of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* the process ended */
    }
  }
  const descends = (pid: number): boolean => {
    for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === process.pid) return true;
    return false;
  };
  const found: { type: string; rss: number }[] = [];
  for (const pid of parents.keys()) {
    if (!descends(pid)) continue;
    try {
      // Chromium's child processes rewrite their command line as one space-separated string.
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
      if (!/chrom/.test(basename(cmdline[0]))) continue;
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
      const type = cmdline.find((a) => a.startsWith('--type='))?.slice(7) ?? 'browser';
      found.push({ type, rss: rssKb * 1024 });
    } catch {
      /* the process ended */
    }
  }
  return found;
}

type HeapUsage = { usedSize: number; embedderHeapUsedSize?: number; backingStorageSize?: number };
const heapBytes = (u: HeapUsage) => u.usedSize + (u.embedderHeapUsedSize ?? 0) + (u.backingStorageSize ?? 0);

/** Samples the page's and its workers' memory and Chromium's RSS every intervalMs until stopped. */
export async function sampleMemory(context: BrowserContext, page: Page, intervalMs = 200): Promise<{ stop(): Promise<MemoryPeaks> }> {
  const cdp: CDPSession = await context.newCDPSession(page);
  const workers = new Set<string>();
  const replies = new Map<number, (result: unknown) => void>();
  let nextId = 1;
  cdp.on('Target.attachedToTarget', (e) => e.targetInfo.type === 'worker' && workers.add(e.sessionId));
  cdp.on('Target.detachedFromTarget', (e) => workers.delete(e.sessionId));
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    const message = JSON.parse(e.message) as { id?: number; result?: unknown };
    if (message.id !== undefined) replies.get(message.id)?.(message.result ?? null);
  });
  // Non-flat sessions: Playwright's CDPSession cannot address child sessions directly.
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
  const workerCall = <T>(sessionId: string, method: string) =>
    new Promise<T | null>((resolve) => {
      const id = nextId++;
      replies.set(id, (result) => {
        replies.delete(id);
        resolve(result as T | null);
      });
      cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method }) }).catch(() => resolve(null));
    });
  const workerHeap = (sessionId: string) => workerCall<HeapUsage>(sessionId, 'Runtime.getHeapUsage');

  const peaks: MemoryPeaks = { pageBytes: 0, workerBytes: 0, workerRetainedBytes: 0, rssBytes: {}, startRssBytes: {}, samples: 0 };
  const sample = async () => {
    peaks.pageBytes = Math.max(peaks.pageBytes, heapBytes(await cdp.send('Runtime.getHeapUsage')));
    for (const usage of await Promise.all([...workers].map(workerHeap))) if (usage) peaks.workerBytes = Math.max(peaks.workerBytes, heapBytes(usage));
    const rss: Record<string, number> = { 'all processes': 0 };
    for (const p of chromiumProcesses()) {
      rss[p.type] = Math.max(rss[p.type] ?? 0, p.rss);
      rss['all processes'] += p.rss;
    }
    if (peaks.samples++ === 0) peaks.startRssBytes = rss;
    for (const [type, bytes] of Object.entries(rss)) peaks.rssBytes[type] = Math.max(peaks.rssBytes[type] ?? 0, bytes);
  };
  let running = true;
  const loop = (async () => {
    while (running) {
      await sample().catch(() => undefined);
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      for (const sessionId of workers) {
        await workerCall(sessionId, 'HeapProfiler.collectGarbage');
        const usage = await workerHeap(sessionId);
        if (usage) peaks.workerRetainedBytes += heapBytes(usage);
      }
      await cdp.detach();
      return peaks;
    },
  };
}
