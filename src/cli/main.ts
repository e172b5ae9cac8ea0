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
import { EXIT, UserError } from './util.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

type Register = (program: Command) => void;

/**
 * The modules that register commands, in the order of --help. Each is loaded only when the
 * command line needs it: the web server, the SOAP client and the PKI take about a quarter
 * of a second to load, which `dkd ingest` or `dkd validate` should not spend.
 */
const MODULES = {
  hub: async () => (await import('./hub.js')).registerHubCommands,
  batch: async () => (await import('./batch.js')).registerBatchCommands,
  registry: async () => (await import('./registry.js')).registerRegistryCommands,
  audit: async () => (await import('./audit.js')).registerAuditCommands,
  pki: async () => (await import('./pki.js')).registerPkiCommands,
  bench: async () => (await import('./bench.js')).registerBenchCommands,
} satisfies Record<string, () => Promise<Register>>;
type ModuleName = keyof typeof MODULES;

/**
 * The modules a command needs, by the name of the command (the first word after `dkd`).
 * Any other command line (`dkd --help`, a command unknown here) loads them all, so that
 * help and errors are those of the whole program. test/cli/main.test.ts checks that each
 * command is built here as in the whole program.
 */
export const COMMAND_MODULES: Readonly<Record<string, readonly ModuleName[]>> = {
  serve: ['hub'],
  demo: ['hub'],
  query: ['hub'],
  gemeente: ['hub', 'registry'],
  afnemer: ['registry'],
  generate: ['batch'],
  validate: ['batch'],
  ingest: ['batch'],
  audit: ['audit'],
  pki: ['pki'],
  bench: ['bench'],
};

/** The program for this command line (`argv` as process.argv); without one, every command. */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command('dkd')
    .description(
      'DKD hub: the routing facility for the municipal part of the Digitaal Klantdossier (Suwi-ML), and the kit a gemeente runs',
    )
    .version(pkg.version)
    .showHelpAfterError()
    .configureOutput({ outputError: (s, write) => write(s) });

  program.command('gemeente').description('the registry of gemeenten, and a gemeente web service');
  program.command('afnemer').description('chain partners and what they may ask');
  const first = argv?.slice(2).find((a) => !a.startsWith('-'));
  const needed =
    first !== undefined && Object.hasOwn(COMMAND_MODULES, first) ? COMMAND_MODULES[first]! : undefined;
  for (const name of Object.keys(MODULES) as ModuleName[])
    if (needed === undefined || needed.includes(name)) (await MODULES[name]())(program);

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
  const program = await buildProgram(argv);
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
