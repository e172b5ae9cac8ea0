/**
 * The `dkd` command. Every command of the project's CONTRACT.md is here; one that a later
 * release fills in says so plainly and exits with status 1.
 *
 * Exit status: 0 success, 1 the work was refused or failed (a clear message says why),
 * 2 wrong usage.
 */
import { SecurityConfigError } from '../security/errors.js';
import { ProtocolKeyError } from '../audit/protocol.js';
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { registerAuditCommands } from './audit.js';
import { registerBatchCommands } from './batch.js';
import { registerBenchCommands } from './bench.js';
import { registerHubCommands } from './hub.js';
import { registerPkiCommands } from './pki.js';
import { registerRegistryCommands } from './registry.js';
import { EXIT, UserError } from './util.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('dkd')
    .description(
      'DKD hub: the routing facility for the municipal part of the Digitaal Klantdossier (Suwi-ML), and the kit a gemeente runs',
    )
    .version(pkg.version)
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(s) });

  program.command('gemeente').description('the registry of gemeenten, and a gemeente web service');
  program.command('afnemer').description('chain partners and what they may ask');
  registerHubCommands(program);
  registerBatchCommands(program);
  registerRegistryCommands(program);
  registerAuditCommands(program);
  registerPkiCommands(program);
  registerBenchCommands(program);

  program.addHelpText(
    'after',
    () =>
      `\nAll commands:\n${commandList(program)
        .map((l) => `  ${l}`)
        .join('\n')}\n`,
  );
  return program;
}

/** Every runnable command with its full name, e.g. `gemeente add`, for the overview in --help. */
function commandList(c: Command, prefix = ''): string[] {
  const out: string[] = [];
  for (const k of c.commands) {
    const name = `${prefix}${k.name()}`;
    // A command with an action of its own (audit) is listed as well as its subcommands (audit verify).
    const runnable = (k as unknown as { _actionHandler: unknown })._actionHandler !== null;
    if (runnable || k.commands.length === 0)
      out.push(`dkd ${name}${k.usage() ? ` ${k.usage()}` : ''}`.trimEnd());
    out.push(...commandList(k, `${name} `));
  }
  return out;
}

/** Runs the command line; resolves to the exit status. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.exitOverride();
  for (const c of program.commands) exitOverrideDeep(c);
  try {
    await program.parseAsync(argv);
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      )
        return EXIT.ok;
      return EXIT.usage;
    }
    if (e instanceof SecurityConfigError || e instanceof ProtocolKeyError) {
      process.stderr.write(`dkd: ${e.message}\n`);
      return EXIT.failed;
    }
    if (e instanceof UserError) {
      process.stderr.write(`dkd: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
}

function exitOverrideDeep(c: Command): void {
  c.exitOverride();
  for (const k of c.commands) exitOverrideDeep(k);
}
