/**
 * npm run fuzz -- [--seed N] [--count N | --seconds S] [--kind checkpoint|package|image|link|all] [--index I]
 *
 * Mutates valid inputs (checkpoints, a converted model package, small PNG/JPEG images, permalink
 * fragments) and checks that each one ends in success or a known, worded error within a time and
 * memory bound. The inputs run in a child process under --max-old-space-size=1536; this process
 * watches it, so that a hang or a crash is caught too. Anything else is a finding: it is printed
 * with the command that reproduces it, saved under fuzz-findings/, and the run exits with status 1.
 * Everything is deterministic from the seed: input I of a run is the same for the same --seed and --kind.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { type Input, makeInput, makeSeeds, runInput, saveInput } from './fuzz/inputs';
import type { Kind } from './fuzz/kinds';
import { type Options, parseArgs } from './fuzz/options';
import { classifyError, type Outcome } from './fuzz/outcomes';

/** Messages from the child: an input started, finished, or was saved. */
type ChildMessage =
  | { type: 'ready'; setupMs: number }
  | { type: 'start'; index: number; kind: Kind; what: string; slow: boolean }
  | { type: 'done'; index: number; kind: Kind; outcome: Outcome; ms: number; rss: number; growth: number }
  | { type: 'saved'; index: number; path: string }
  | { type: 'finding'; finding: Finding };

interface KindStats {
  inputs: number;
  ms: number;
  labels: Map<string, number>;
}

interface Finding {
  index: number;
  kind: Kind;
  what: string;
  problem: string;
  path?: string;
}

async function parent(options: Options): Promise<number> {
  const started = Date.now();
  const deadline = options.seconds ? started + options.seconds * 1000 : Infinity;
  const stats = new Map<Kind, KindStats>(options.kinds.map((k) => [k, { inputs: 0, ms: 0, labels: new Map() }]));
  const findings: Finding[] = [];
  let maxRss = 0;
  let maxGrowth = 0;
  let maxGrowthAt = '';
  let next = options.index ?? 0;
  const repro = (index: number) => `npm run fuzz -- --seed ${options.seed} --kind ${options.kindArg} --index ${index}`;

  const spawnChild = (args: string[]) =>
    fork(join(import.meta.dirname, 'fuzz.ts'), ['--child', ...process.argv.slice(2), ...args], {
      execArgv: [...process.execArgv, '--max-old-space-size=1536', '--stack-size=984'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });

  /** Re-creates input `index` in a fresh child and saves it under fuzz-findings/ (after a hang or crash). */
  const save = (index: number) =>
    new Promise<string | undefined>((resolve) => {
      const child = spawnChild(['--save', String(index)]);
      child.on('message', (m: ChildMessage) => m.type === 'saved' && resolve(m.path));
      child.on('exit', () => resolve(undefined));
    });

  while (next < options.count && Date.now() < deadline) {
    const child: ChildProcess = spawnChild(['--from', String(next)]);
    let current: { index: number; kind: Kind; what: string; slow: boolean; at: number } | null = null;
    let lastProgress = Date.now();
    let stopping = false;
    const stop = () => {
      stopping = true;
      child.kill('SIGTERM');
    };
    const ended = await new Promise<{ hang: boolean; code: number | null; signal: string | null }>((resolve) => {
      let hang = false;
      const watchdog = setInterval(() => {
        const limit = current ? options.timeoutMs * (current.slow ? 6 : 1) : 120_000; // setup converts the mini model
        if (Date.now() - (current?.at ?? lastProgress) > limit) {
          hang = true;
          child.kill('SIGKILL');
        } else if (Date.now() > deadline && current === null) stop();
      }, 200);
      child.on('message', (m: ChildMessage) => {
        lastProgress = Date.now();
        if (m.type === 'start') {
          current = { ...m, at: Date.now() };
        } else if (m.type === 'done') {
          current = null;
          next = m.index + 1;
          const s = stats.get(m.kind)!;
          s.inputs++;
          s.ms += m.ms;
          s.labels.set(m.outcome.label, (s.labels.get(m.outcome.label) ?? 0) + 1);
          if (m.rss > maxRss) maxRss = m.rss;
          if (m.growth > maxGrowth) [maxGrowth, maxGrowthAt] = [m.growth, `${m.kind} #${m.index}`];
          if (Date.now() > deadline) stop();
          if (m.ms > options.timeoutMs * (m.kind === 'checkpoint' ? 6 : 1))
            findings.push({ index: m.index, kind: m.kind, what: '', problem: `took ${m.ms} ms` });
        } else if (m.type === 'saved') {
          const f = findings.find((x) => x.index === m.index && !x.path);
          if (f) f.path = m.path;
        }
      });
      child.on('message', (m: ChildMessage) => {
        if (m.type === 'finding') {
          findings.push(m.finding);
          console.error(`FINDING ${m.finding.kind} #${m.finding.index} (${m.finding.what}): ${m.finding.problem}\n  reproduce: ${repro(m.finding.index)}`);
        }
      });
      child.on('exit', (code, signal) => {
        clearInterval(watchdog);
        resolve({ hang, code, signal });
      });
    });
    if (current === null || stopping) {
      if (ended.code !== 0 && !stopping && next < options.count) {
        findings.push({ index: next, kind: options.kinds[next % options.kinds.length], what: 'setup', problem: `child exited ${ended.code ?? ended.signal}` });
        break;
      }
      if (ended.code === 0 || Date.now() > deadline) break;
      continue;
    }
    const c = current as { index: number; kind: Kind; what: string };
    const problem = ended.hang ? `no result within the time bound (hang)` : `the process died (${ended.signal ?? `exit ${ended.code}`}; out of memory?)`;
    const finding: Finding = { index: c.index, kind: c.kind, what: c.what, problem, path: await save(c.index) };
    findings.push(finding);
    console.error(`FINDING ${c.kind} #${c.index} (${c.what}): ${problem}\n  reproduce: ${repro(c.index)}`);
    next = c.index + 1;
  }

  const seconds = (Date.now() - started) / 1000;
  console.log(
    `fuzz: seed ${options.seed}, ${seconds.toFixed(1)} s, max child RSS ${(maxRss / 2 ** 20).toFixed(0)} MiB (heap limit 1536 MiB; largest growth in one input ${(maxGrowth / 2 ** 20).toFixed(0)} MiB, ${maxGrowthAt})`,
  );
  for (const [kind, s] of stats) {
    if (!s.inputs) continue;
    const labels = [...s.labels].sort((a, b) => b[1] - a[1]).map(([l, n]) => `${l} ${n}`);
    console.log(`  ${kind}: ${s.inputs} inputs, ${((1000 * s.inputs) / Math.max(1, s.ms)).toFixed(1)} inputs/s busy; ${labels.join(', ')}`);
  }
  if (!findings.length) {
    console.log('  no findings');
    return 0;
  }
  console.log(`  ${findings.length} finding(s):`);
  for (const f of findings)
    console.log(`  - ${f.kind} #${f.index} ${f.what}: ${f.problem}${f.path ? ` (saved as ${f.path})` : ''}\n    reproduce: ${repro(f.index)}`);
  return 1;
}

async function child(options: Options, argv: string[]): Promise<void> {
  const send = (m: unknown) => new Promise<void>((resolve) => process.send!(m, () => resolve()));
  const started = Date.now();
  const saveIndex = argv.includes('--save') ? Number(argv[argv.indexOf('--save') + 1]) : null;
  const from = Number(argv[argv.indexOf('--from') + 1] ?? 0);
  const kindsNeeded = saveIndex === null ? options.kinds : [options.kinds[saveIndex % options.kinds.length]];
  const seeds = await makeSeeds(kindsNeeded);
  if (saveIndex !== null) {
    const path = saveInput(makeInput(seeds, options, saveIndex), options, saveIndex);
    if (process.send) await send({ type: 'saved', index: saveIndex, path });
    else console.log(`saved ${path}`);
    process.exit(0);
  }
  await send({ type: 'ready', setupMs: Date.now() - started });
  let current: { input: Input; index: number } | null = null;
  process.on('unhandledRejection', (e) => {
    console.error('unhandled rejection', e);
    if (current)
      void send({
        type: 'finding',
        finding: { index: current.index, kind: current.input.kind, what: current.input.what, problem: `unhandled rejection: ${e}` },
      });
  });
  for (let index = from; index < options.count; index++) {
    const input = makeInput(seeds, options, index);
    current = { input, index };
    await send({ type: 'start', index, kind: input.kind, what: input.what, slow: input.kind === 'checkpoint' && input.slow });
    const rss0 = process.memoryUsage().rss;
    const t0 = performance.now();
    let outcome: Outcome;
    try {
      if (options.injectUnknown === index) throw new TypeError("Cannot read properties of undefined (reading 'shape') [injected by --inject-unknown]");
      await runInput(input);
      outcome = { known: true, label: 'ok' };
    } catch (e) {
      outcome = classifyError(input.kind, e);
      if (!outcome.known) {
        const stack = (e as Error)?.stack?.split('\n').slice(0, 6).join('\n    ') ?? String(e);
        const path = saveInput(input, options, index);
        await send({ type: 'finding', finding: { index, kind: input.kind, what: input.what, problem: `${outcome.label}: ${stack}`, path } });
      }
    }
    await send({
      type: 'done',
      index,
      kind: input.kind,
      outcome,
      ms: Math.round(performance.now() - t0),
      rss: process.memoryUsage().rss,
      growth: process.memoryUsage().rss - rss0,
    });
  }
  process.exit(0);
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const argv = process.argv.slice(2);
  const options = parseArgs(argv);
  if (argv.includes('--child') || argv.includes('--save-only'))
    await child(options, argv.includes('--save-only') ? [...argv, '--save', String(options.index)] : argv);
  else process.exit(await parent(options));
}
