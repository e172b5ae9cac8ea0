/** `dkd demo`: the hub with simulated gemeenten, one per delivery method. */
import type { Command } from 'commander';
import { notYet } from './util.js';

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the hub with simulated gemeenten (one per delivery method) and synthetic clients')
    .option('--port <port>', 'port of the hub', '8080')
    .action(() => notYet('demo', 'the demo needs the verzamelbestand generator'));
}
