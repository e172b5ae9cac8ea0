import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { SUITES } from '../bench/index.js';
import type { BenchResult } from '../bench/types.js';
import { EXIT, printJson, UserError } from './util.js';

/** `dkd bench`: the benchmark suite. */
export function registerBenchCommands(program: Command): void {
  program
    .command('bench')
    .description('the benchmark suite (see docs/benchmarks.md)')
    .option(
      '--suite <names>',
      `comma-separated suites to run (default: all): ${SUITES.map((s) => s.name).join(', ')}`,
    )
    .option('--quick', 'a smaller run, for a quick look')
    .option('--json', 'print the results as JSON')
    .action(async (o: { suite?: string; quick?: boolean; json?: boolean }) => {
      const wanted = o.suite ? o.suite.split(',').map((s) => s.trim()) : SUITES.map((s) => s.name);
      const unknown = wanted.filter((w) => !SUITES.some((s) => s.name === w));
      if (unknown.length) throw new UserError(`onbekende benchmark: ${unknown.join(', ')}`, EXIT.usage);
      if (SUITES.length === 0) throw new UserError('er zijn nog geen benchmarks');
      const results: BenchResult[] = [];
      for (const suite of SUITES.filter((s) => wanted.includes(s.name))) {
        const workDir = mkdtempSync(join(tmpdir(), `dkd-bench-${suite.name}-`));
        try {
          process.stderr.write(`== ${suite.name}: ${suite.description}\n`);
          results.push(
            await suite.run({
              quick: Boolean(o.quick),
              workDir,
              log: (l) => process.stderr.write(`   ${l}\n`),
            }),
          );
        } finally {
          rmSync(workDir, { recursive: true, force: true });
        }
      }
      if (o.json) {
        printJson({ node: process.version, quick: Boolean(o.quick), results });
        return;
      }
      for (const r of results) {
        process.stdout.write(`${r.suite}\n`);
        for (const [k, v] of Object.entries(r.figures)) process.stdout.write(`  ${k}: ${v}\n`);
        for (const t of r.targets)
          process.stdout.write(`  target ${t.name} ${t.limit}: ${t.value} ${t.met ? 'met' : 'NOT MET'}\n`);
      }
    });
}
