import type { Command } from 'commander';
import { notYet } from './util.js';

/** `dkd pki init`: test certificates carrying OINs. */
export function registerPkiCommands(program: Command): void {
  const pki = program.command('pki').description('test certificates carrying OINs');
  pki
    .command('init')
    .description('a test CA and certificates for the hub, gemeenten, UWV and SVB, plus oins.json')
    .requiredOption('--out <dir>', 'output folder')
    .option('--gemeenten <codes>', 'comma-separated gemeentecodes', '0363,0599,0344')
    .action(() => notYet('pki init', 'certificates come with the trust and accountability issue'));
}
