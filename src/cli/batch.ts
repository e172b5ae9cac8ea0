import type { Command } from 'commander';
import { DB_OPTION as DB, notYet } from './util.js';

/** `dkd generate`, `dkd validate`, `dkd ingest`: the verzamelbestand. */
export function registerBatchCommands(program: Command): void {
  program
    .command('generate')
    .description('write a synthetic verzamelbestand for a gemeente')
    .requiredOption('--gemeente <code>', 'CBS gemeentecode')
    .requiredOption('--clients <n>', 'number of clients')
    .option('--seed <s>', 'seed; the same seed gives the same file')
    .option('--shared-bsns <k>', 'the first K clients draw their BSNs from a pool shared by every gemeente')
    .option('--format-version <v>', 'verzamelbestand format version')
    .option('--bsn-list <file>', "also write the clients' BSNs, one per line, in file order")
    .requiredOption('--out <file>', 'output file')
    .action(() => notYet('generate', 'the verzamelbestand comes with its own issue'));

  program
    .command('validate')
    .description('check a verzamelbestand; loads nothing')
    .argument('<file>')
    .option('--report <file>', 'write the processing report (JSON) there')
    .option('--json', 'print a summary as JSON')
    .action(() => notYet('validate', 'the verzamelbestand comes with its own issue'));

  program
    .command('ingest')
    .description('check and load a verzamelbestand for the gemeente named in it')
    .argument('<file>')
    .option('--report <file>', 'write the processing report (JSON) there')
    .option('--json', 'print a summary as JSON')
    .option(...DB)
    .action(() => notYet('ingest', 'the verzamelbestand comes with its own issue'));
}
