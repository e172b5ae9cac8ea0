import type { Command } from 'commander';
import {
  DEV_PROTOCOL_KEY,
  protocolForBsn,
  protocolKey,
  protocolKeyFromEnv,
  verifyProtocolChain,
} from '../audit/protocol.js';
import { Burgerservicenr, Violation } from '../domain/values.js';
import { DB_OPTION as DB, EXIT, printJson, printTable, UserError, withStore } from './util.js';

const KEY_OPTION = [
  '--protocol-key-file <file>',
  'the key the hub hashes BSNs with (default DKD_PROTOCOL_KEY_FILE or DKD_PROTOCOL_KEY)',
] as const;

/** `dkd audit` and `dkd audit verify`: the protocol. */
export function registerAuditCommands(program: Command): void {
  const audit = program
    .command('audit')
    .description('protocol entries for a BSN: who asked about this person, when, and what they got')
    .option('--bsn <bsn>', 'Burgerservicenr')
    .option('--json', 'print as JSON')
    .option(...KEY_OPTION)
    .option(
      '--insecure-dev',
      'read with the public development key of `dkd serve --insecure-dev` (the default when no key is set) without a warning',
    )
    .option(...DB)
    .action(
      async (o: {
        bsn?: string;
        json?: boolean;
        protocolKeyFile?: string;
        insecureDev?: boolean;
        db?: string;
      }) => {
        if (!o.bsn) throw new UserError('geef --bsn, of gebruik `dkd audit verify`', EXIT.usage);
        if (Burgerservicenr.parse(o.bsn) instanceof Violation)
          throw new UserError('--bsn is geen geldig Burgerservicenr', EXIT.usage);
        let key = protocolKeyFromEnv(o.protocolKeyFile);
        if (!key) {
          // What `dkd serve --insecure-dev` and the demo write with; a hub over TLS never does.
          key = protocolKey(DEV_PROTOCOL_KEY);
          if (!o.insecureDev)
            process.stderr.write(
              'dkd: geen protocolsleutel ingesteld (DKD_PROTOCOL_KEY_FILE, DKD_PROTOCOL_KEY); gelezen met de openbare ontwikkelsleutel van --insecure-dev\n',
            );
        }
        const bsn = o.bsn;
        await withStore(o, async (store) => {
          const entries = await protocolForBsn(store, key, bsn);
          if (o.json) {
            printJson({ sleutel: key.id, aantal: entries.length, vragen: entries });
            return;
          }
          if (entries.length === 0) {
            process.stdout.write(`geen protocolregels voor dit BSN (sleutel ${key.id})\n`);
            return;
          }
          printTable(
            ['volgnr', 'tijd', 'OIN', 'dienst', 'versie', 'uitkomst', 'gemeenten', 'ms'],
            entries.map((e) => [
              String(e.volgnr),
              e.tijd,
              e.oin ?? '-',
              e.dienst,
              e.versie,
              e.fout ? `${e.uitkomst} (${e.fout})` : e.uitkomst,
              e.bronnen.map((b) => `${b.gemeente}:${b.uitkomst}`).join(' ') || '-',
              String(e.ms),
            ]),
          );
        });
      },
    );
  audit
    .command('verify')
    .description('check the hash chain of the protocol: a changed, removed or inserted entry fails')
    .option('--json', 'print as JSON')
    .option(...DB)
    .action(async (_o: unknown, cmd: Command) => {
      // `--db` and `--json` may be read by `audit` itself when they follow `verify`.
      const o = cmd.optsWithGlobals<{ json?: boolean; db?: string }>();
      const r = await withStore(o, (store) => verifyProtocolChain(store));
      if (o.json) printJson(r);
      else if (r.ok) process.stdout.write(`protocol in orde: ${r.aantal} regels, kop ${r.kop}\n`);
      if (!r.ok)
        throw new UserError(
          `protocol NIET in orde bij volgnummer ${r.fout!.volgnr}: ${r.fout!.reden} (${r.aantal} regels in orde)`,
        );
    });
}
