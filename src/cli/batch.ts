import type { Command } from 'commander';
import { generateVerzamelbestand } from '../sim/generator.js';
import { DB_OPTION as DB, EXIT, notYet, UserError } from './util.js';

function count(name: string, s: string | undefined, fallback?: number): number {
  if (s === undefined && fallback !== undefined) return fallback;
  if (s === undefined || !/^[0-9]+$/.test(s))
    throw new UserError(`${name} moet een geheel getal zijn`, EXIT.usage);
  return Number(s);
}

/** `dkd generate`, `dkd validate`, `dkd ingest`: the verzamelbestand. */
export function registerBatchCommands(program: Command): void {
  program
    .command('generate')
    .description('write a synthetic verzamelbestand for a gemeente')
    .requiredOption('--gemeente <code>', 'CBS gemeentecode')
    .requiredOption('--clients <n>', 'number of clients')
    .option('--seed <s>', 'seed; the same seed gives the same file', '1')
    .option('--shared-bsns <k>', 'the first K clients draw their BSNs from a pool shared by every gemeente')
    .option('--format-version <v>', 'verzamelbestand format version (default: the newest)')
    .option('--bsn-list <file>', "also write the clients' BSNs, one per line, in file order")
    .option('--aangemaakt <tijd>', 'DatTijdAanmaak in the header (xs:dateTime); fixed by default')
    .requiredOption('--out <file>', 'output file')
    .action(
      async (o: {
        gemeente: string;
        clients: string;
        seed: string;
        sharedBsns?: string;
        formatVersion?: string;
        bsnList?: string;
        aangemaakt?: string;
        out: string;
      }) => {
        try {
          await generateVerzamelbestand({
            gemeente: o.gemeente,
            clients: count('--clients', o.clients),
            seed: o.seed,
            sharedBsns: count('--shared-bsns', o.sharedBsns, 0),
            ...(o.formatVersion !== undefined && { formatVersion: o.formatVersion }),
            ...(o.bsnList !== undefined && { bsnList: o.bsnList }),
            ...(o.aangemaakt !== undefined && { aangemaakt: o.aangemaakt }),
            out: o.out,
          });
        } catch (e) {
          if (e instanceof RangeError) throw new UserError(e.message, EXIT.usage);
          throw e;
        }
      },
    );

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
