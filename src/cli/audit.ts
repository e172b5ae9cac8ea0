import type { Command } from 'commander';
import { DB_OPTION as DB, notYet } from './util.js';

/** `dkd audit` and `dkd audit verify`: the protocol. */
export function registerAuditCommands(program: Command): void {
  const audit = program
    .command('audit')
    .description('protocol entries for a BSN: who asked about this person, when, and what they got')
    .option('--bsn <bsn>', 'Burgerservicenr')
    .option('--json', 'print as JSON')
    .option(...DB)
    .action(() => notYet('audit', 'the protocol comes with the trust and accountability issue'));
  audit
    .command('verify')
    .description('check the hash chain of the protocol')
    .option(...DB)
    .action(() => notYet('audit verify', 'the protocol comes with the trust and accountability issue'));
}
