/** `dkd gemeente serve`: a gemeente's own web service from a verzamelbestand. */
import { Option, type Command } from 'commander';
import { notYet } from './util.js';

export function registerGemeenteServeCommand(program: Command): void {
  const gemeente = program.commands.find((c) => c.name() === 'gemeente')!;
  gemeente
    .command('serve')
    .description(
      "a gemeente's own web service from a verzamelbestand (reference implementation and simulator)",
    )
    .requiredOption('--code <code>', 'CBS gemeentecode')
    .requiredOption('--data <file>', 'verzamelbestand to serve')
    .requiredOption('--port <port>', 'port')
    .option('--hub <url>', 'register the clients in this hub through IBVerwijsindex')
    .addOption(
      new Option('--versie <versie>', 'interface version of Bijstandsregelingen').choices(['v0500', 'v0400']),
    )
    .option('--delay-ms <n>', 'answer after this delay')
    .option('--fail-rate <r>', 'share of questions answered with a server error (0..1)')
    .option('--hang', 'never answer')
    .action(() => notYet('gemeente serve', 'the gemeente web service needs the verzamelbestand reader'));
}
