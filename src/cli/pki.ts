import type { Command } from 'commander';
import path from 'node:path';
import { SecurityConfigError } from '../security/errors.js';
import { initPki } from '../security/pki.js';
import { EXIT, printJson, UserError } from './util.js';

const CODE = /^[0-9]{4}$/;

interface InitFlags {
  out: string;
  gemeenten: string;
  force?: boolean;
  json?: boolean;
}

function parseGemeenten(s: string): string[] {
  const codes = s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  for (const c of codes)
    if (!CODE.test(c)) throw new UserError(`gemeentecode ${c} heeft geen 4 cijfers (bijv. 0363)`, EXIT.usage);
  return [...new Set(codes)];
}

/** `dkd pki init`: test certificates carrying OINs. */
export function registerPkiCommands(program: Command): void {
  const pki = program.command('pki').description('test certificates carrying OINs');
  pki
    .command('init')
    .description('a test CA and certificates for the hub, gemeenten, UWV and SVB, plus oins.json')
    .requiredOption('--out <dir>', 'output folder')
    .option('--gemeenten <codes>', 'comma-separated gemeentecodes', '0363,0599,0344')
    .option('--force', 'write into a folder that is not empty (files of the same name are replaced)')
    .option('--json', 'print the OINs (name -> OIN) as JSON')
    .addHelpText(
      'after',
      `
Writes ca.pem and ca.key (the test CA; keep the key to issue more certificates),
hub.pem/hub.key, uwv.pem/uwv.key, svb.pem/svb.key, gemeente-CODE.pem/.key for each
gemeente, and oins.json. Each certificate carries its OIN in the subject serialNumber,
as PKIoverheid certificates do. Keys are written with mode 0600. For tests and the
demo only: see docs/security.md for real PKIoverheid certificates.`,
    )
    .action(async (flags: InitFlags) => {
      const gemeenten = parseGemeenten(flags.gemeenten);
      let result;
      try {
        result = await initPki(flags.out, gemeenten, { force: flags.force ?? false });
      } catch (e) {
        if (e instanceof SecurityConfigError) throw new UserError(e.message);
        throw e;
      }
      if (flags.json) {
        printJson(result.oins);
        return;
      }
      const rel = (f: string) => path.relative(process.cwd(), f) || f;
      const lines = [
        `test-CA: ${rel(result.caCertFile)} (sleutel ${rel(result.caKeyFile)})`,
        ...Object.entries(result.certificates).map(
          ([name, c]) => `${name.padEnd(14)} OIN ${c.oin}  ${rel(c.certFile)}  ${rel(c.keyFile)}`,
        ),
        `OINs: ${rel(path.join(result.dir, 'oins.json'))}`,
      ];
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
