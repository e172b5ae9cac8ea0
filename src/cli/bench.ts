import type { Command } from 'commander';
import { notYet } from './util.js';

/** `dkd bench`: the benchmark suite. */
export function registerBenchCommands(program: Command): void {
  program
    .command('bench')
    .description('the benchmark suite (see docs/benchmarks.md)')
    .option('--json', 'print the results as JSON')
    .action(() => notYet('bench', 'benchmarks come with the verzamelbestand and routing issues'));
}
