import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { maxFoutenPctFromEnv, verwerk } from '../batch/ingest.js';
import { rapportAlsTekst, samenvatting, type Rapport } from '../batch/report.js';
import { generateVerzamelbestand } from '../sim/generator.js';
import { openStore, storeOptionsFromEnv } from '../store/open.js';
import type { Store } from '../store/types.js';
import { DB_OPTION as DB, EXIT, printJson, UserError, withStore } from './util.js';

function count(name: string, s: string | undefined, fallback?: number): number {
  if (s === undefined && fallback !== undefined) return fallback;
  if (s === undefined || !/^[0-9]+$/.test(s))
    throw new UserError(`${name} moet een geheel getal zijn`, EXIT.usage);
  return Number(s);
}

function percentage(s: string | undefined): number {
  try {
    if (s === undefined) return maxFoutenPctFromEnv();
  } catch (e) {
    throw new UserError((e as Error).message, EXIT.usage);
  }
  const n = Number(s);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(s) || n > 100)
    throw new UserError('--max-fouten-pct moet een getal van 0 tot en met 100 zijn', EXIT.usage);
  return n;
}

interface VerwerkFlags {
  report?: string;
  json?: boolean;
  db?: string;
  maxFoutenPct?: string;
}

/** A progress bar on stderr when it is a terminal (and no --json). */
function progress(flags: VerwerkFlags) {
  if (flags.json || !process.stderr.isTTY) return { update: undefined, stop: () => undefined };
  const bar = new SingleBar({
    format: 'verwerken [{bar}] {percentage}% | {mb}/{totalMb} MB | {eta_formatted}',
    stream: process.stderr,
    hideCursor: true,
  });
  let started = false;
  return {
    update: (read: number, total: number) => {
      const mb = (n: number) => (n / 1048576).toFixed(0);
      if (!started) {
        started = true;
        bar.start(total, 0, { mb: mb(0), totalMb: mb(total) });
      }
      bar.update(read, { mb: mb(read), totalMb: mb(total) });
    },
    stop: () => {
      if (started) bar.stop();
    },
  };
}

function output(r: Rapport, flags: VerwerkFlags): void {
  if (flags.report) {
    writeFileSync(flags.report, `${JSON.stringify(r, null, 2)}\n`);
    writeFileSync(`${flags.report.replace(/\.json$/i, '')}.txt`, rapportAlsTekst(r));
  }
  if (flags.json) printJson(samenvatting(r));
  else process.stdout.write(rapportAlsTekst(r, { maxBevindingen: 50 }));
  if (r.status === 'geweigerd') throw new UserError('het bestand is geweigerd; er is niets geladen');
}

async function run(
  file: string,
  flags: VerwerkFlags,
  modus: 'validate' | 'ingest',
  store?: Store,
): Promise<void> {
  const bar = progress(flags);
  let r: Rapport;
  try {
    r = await verwerk({
      file,
      modus,
      ...(store && { store }),
      maxFoutenPct: percentage(flags.maxFoutenPct),
      ...(bar.update && { onProgress: bar.update }),
    });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new UserError(`bestand niet gevonden: ${file}`);
    throw e;
  } finally {
    bar.stop();
  }
  output(r, flags);
}

const MAX_FOUTEN = [
  '--max-fouten-pct <pct>',
  'refuse the whole file when more than this share of records is bad (default 10, or DKD_MAX_FOUTEN_PCT)',
] as const;

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
    .description(
      'check a verzamelbestand; loads nothing (with --db or DATABASE_URL it also checks that the gemeente is registered)',
    )
    .argument('<file>')
    .option('--report <file>', 'write the processing report there as JSON, and as text beside it (.txt)')
    .option('--json', 'print a summary as JSON')
    .option(...MAX_FOUTEN)
    .option(...DB)
    .action(async (file: string, flags: VerwerkFlags) => {
      const useStore = flags.db !== undefined || (process.env.DATABASE_URL ?? '') !== '';
      if (!useStore) return run(file, flags, 'validate');
      const store = await openStore(storeOptionsFromEnv(flags.db));
      try {
        await run(file, flags, 'validate', store);
      } finally {
        await store.close();
      }
    });

  program
    .command('ingest')
    .description('check and load a verzamelbestand for the gemeente named in it')
    .argument('<file>')
    .option('--report <file>', 'write the processing report there as JSON, and as text beside it (.txt)')
    .option('--json', 'print a summary as JSON')
    .option(...MAX_FOUTEN)
    .option(...DB)
    .action(async (file: string, flags: VerwerkFlags) =>
      withStore(flags, (store) => run(file, flags, 'ingest', store)),
    );
}
