/**
 * Benchmark `ingest`: loading a verzamelbestand with a real `dkd ingest` process, measured
 * against `xmllint --stream --noout` reading the same file in the same run, and the peak
 * memory (RSS, from /usr/bin/time) of `dkd generate` and `dkd ingest` at two sizes.
 *
 * Targets (docs/benchmarks.md): ingest at most 3x xmllint's time; peak RSS under 300 MB at
 * any size. Full run: ratio on 100,000 clients, peaks for 100,000 and 1,000,000 clients
 * (a file of about 4.7 GB; mind the disk). Quick run: 5,000 and 20,000 clients.
 */
import { spawn } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchContext, BenchResult, BenchSuite } from './types.js';

const DKD = fileURLToPath(new URL('../../bin/dkd.js', import.meta.url));
const GEMEENTE = '0363';
/** Rounds of xmllint and ingest for the ratio. */
const ROUNDS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Measured {
  wallMs: number;
  cpuMs: number;
  maxRssMb: number;
  stdout: string;
}

/** Runs a command under /usr/bin/time -f, for wall time, CPU time and peak RSS of the process. */
function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const marker = '@@dkd-bench@@';
    const child = spawn('/usr/bin/time', ['-f', `${marker} %e %U %S %M`, cmd, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stderr.split('\n').find((l) => l.startsWith(marker));
      if (code !== 0 || !line) {
        reject(new Error(`${cmd} ${args[0] ?? ''} failed (${code}): ${stderr.slice(-500)}`));
        return;
      }
      const [, e, u, s, m] = line.split(' ');
      resolve({
        wallMs: Math.round(Number(e) * 1000),
        cpuMs: Math.round((Number(u) + Number(s)) * 1000),
        maxRssMb: Math.round(Number(m) / 1024),
        stdout,
      });
    });
  });
}

/** The store of the run: a fresh SQLite file in the work directory (DATABASE_URL is not used). */
function env(): NodeJS.ProcessEnv {
  const e = { ...process.env };
  delete e.DATABASE_URL;
  return e;
}

async function size(ctx: BenchContext, clients: number, ratio: boolean, out: BenchResult): Promise<void> {
  const file = join(ctx.workDir, `vb-${clients}.xml`);
  const db = join(ctx.workDir, `dkd-${clients}.sqlite`);
  ctx.log(`${clients} clients: dkd generate`);
  const gen = await measure(
    process.execPath,
    [DKD, 'generate', '--gemeente', GEMEENTE, '--clients', String(clients), '--seed', 'bench', '--out', file],
    env(),
  );
  const mb = Math.round(statSync(file).size / 1048576);
  out.figures[`generate ${clients}: ms`] = gen.wallMs;
  out.figures[`generate ${clients}: peak RSS MB`] = gen.maxRssMb;
  out.figures[`file ${clients}: MB`] = mb;
  /** A fresh store with the gemeente registered, for each load. */
  const freshDb = async () => {
    for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
    await measure(
      process.execPath,
      [
        DKD,
        'gemeente',
        'add',
        '--code',
        GEMEENTE,
        '--naam',
        'Amsterdam',
        '--oin',
        '00000001000000003630',
        '--methode',
        'batch',
        '--db',
        db,
      ],
      env(),
    );
  };
  const ingest = async (extra: NodeJS.ProcessEnv = {}) => {
    await freshDb();
    const m = await measure(process.execPath, [DKD, 'ingest', file, '--json', '--db', db], {
      ...env(),
      ...extra,
    });
    const summary = JSON.parse(m.stdout) as { status: string; telling: { goed: number } };
    if (summary.status !== 'geladen' || summary.telling.goed !== clients)
      throw new Error(`ingest of ${clients} clients did not load them all: ${summary.status}`);
    return m;
  };

  let ing: Measured;
  if (ratio) {
    // The machine's speed moves (other work on the host): ROUNDS rounds, each xmllint and
    // right after it dkd ingest (two parts, the default) and dkd ingest in one part; the
    // target is the median of the rounds' ratios.
    const xs: Measured[] = [];
    const twee: Measured[] = [];
    const een: Measured[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      ctx.log(
        `${clients} clients, round ${round} of ${ROUNDS}: xmllint --stream --noout (${mb} MB), dkd ingest, dkd ingest in one part`,
      );
      xs.push(await measure('xmllint', ['--stream', '--noout', file]));
      twee.push(await ingest());
      een.push(await ingest({ DKD_INGEST_DELEN: '1' }));
    }
    const ratios = (ms: Measured[]) => ms.map((m, i) => m.wallMs / xs[i]!.wallMs);
    const r = Math.round(100 * median(ratios(twee))) / 100;
    out.figures[`xmllint ${clients}: ms`] = median(xs.map((m) => m.wallMs));
    out.figures[`xmllint ${clients}: cpu ms`] = median(xs.map((m) => m.cpuMs));
    const ingestMs = median(twee.map((m) => m.wallMs));
    const peak = Math.max(...twee.map((m) => m.maxRssMb));
    out.figures[`ingest ${clients}: ms`] = ingestMs;
    out.figures[`ingest ${clients}: cpu ms`] = median(twee.map((m) => m.cpuMs));
    out.figures[`ingest ${clients}: peak RSS MB`] = peak;
    out.figures[`ingest ${clients}: clients/s`] = Math.round((clients * 1000) / ingestMs);
    out.figures[`ingest/xmllint ${clients}: ratio`] = r;
    out.figures[`ingest/xmllint ${clients}: cpu ratio`] =
      Math.round(100 * median(twee.map((m, i) => m.cpuMs / Math.max(1, xs[i]!.cpuMs)))) / 100;
    for (let i = 0; i < ROUNDS; i++) {
      out.figures[`round ${i + 1}: xmllint ms`] = xs[i]!.wallMs;
      out.figures[`round ${i + 1}: ingest ms`] = twee[i]!.wallMs;
      out.figures[`round ${i + 1}: ingest in one part ms`] = een[i]!.wallMs;
    }
    out.figures[`ingest in one part ${clients}: ms`] = median(een.map((m) => m.wallMs));
    out.figures[`ingest in one part ${clients}: peak RSS MB`] = Math.max(...een.map((m) => m.maxRssMb));
    out.figures[`ingest in one part/xmllint ${clients}: ratio`] = Math.round(100 * median(ratios(een))) / 100;
    out.targets.push({
      name: `ingest time / xmllint time (${clients} clients, median of ${ROUNDS} rounds)`,
      limit: '<= 3',
      value: r,
      met: r <= 3,
    });
    ing = { ...twee[0]!, maxRssMb: peak };
  } else {
    ctx.log(`${clients} clients: dkd ingest`);
    ing = await ingest();
    out.figures[`ingest ${clients}: ms`] = ing.wallMs;
    out.figures[`ingest ${clients}: cpu ms`] = ing.cpuMs;
    out.figures[`ingest ${clients}: peak RSS MB`] = ing.maxRssMb;
    out.figures[`ingest ${clients}: clients/s`] = Math.round((clients * 1000) / ing.wallMs);
  }
  for (const [what, m] of [
    ['generate', gen],
    ['ingest', ing],
  ] as const)
    out.targets.push({
      name: `peak RSS of dkd ${what}, ${clients} clients (MB)`,
      limit: '< 300',
      value: m.maxRssMb,
      met: m.maxRssMb < 300,
    });
  rmSync(file, { force: true });
  rmSync(db, { force: true });
  rmSync(`${db}-wal`, { force: true });
  rmSync(`${db}-shm`, { force: true });
}

export const ingestSuite: BenchSuite = {
  name: 'ingest',
  description: 'dkd ingest of a verzamelbestand against xmllint --stream, and peak memory',
  async run(ctx) {
    const out: BenchResult = { suite: 'ingest', figures: {}, targets: [] };
    const [small, large] = ctx.quick ? [5_000, 20_000] : [100_000, 1_000_000];
    await size(ctx, small, true, out);
    await size(ctx, large, false, out);
    return out;
  },
};
