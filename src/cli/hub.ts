import { Option, type Command } from 'commander';
import { DB_OPTION as DB, notYet } from './util.js';

/** `dkd serve`, `dkd demo`, `dkd gemeente serve` and `dkd query`: the hub, the demo, a gemeente web service, a question. */
export function registerHubCommands(program: Command): void {
  program
    .command('serve')
    .description('the hub: SOAP endpoints, portal, health, metrics')
    .option('--port <port>', 'port', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option(...DB)
    .option(
      '--tls-cert <file>',
      'server certificate (PEM); with --tls-key and --tls-ca: HTTPS with client certificates',
    )
    .option('--tls-key <file>', 'server key (PEM)')
    .option('--tls-ca <file>', 'CA certificates (PEM) whose client certificates are accepted')
    .option('--insecure-dev', 'plain HTTP on loopback only; the caller is the OIN in wsa:From ?oin=')
    .action(() => notYet('serve', 'the routing hub comes with the routing issue'));

  program
    .command('demo')
    .description('the hub with simulated gemeenten (one per delivery method) and synthetic clients')
    .option('--port <port>', 'port of the hub', '8080')
    .action(() => notYet('demo', 'the demo comes with the routing hub'));

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
    .action(() => notYet('gemeente serve', 'the gemeente web service comes with the routing hub'));

  program
    .command('query')
    .description('ask the hub as a chain partner would')
    .requiredOption('--url <url>', 'base URL of the hub')
    .requiredOption('--bsn <bsn>', 'Burgerservicenr')
    .addOption(
      new Option('--service <service>', 'service')
        .choices(['bijstandsregelingen', 'reintegratie'])
        .default('bijstandsregelingen'),
    )
    .option('--versie <versie>', 'interface version')
    .option('--json', 'print the answer as JSON')
    .action(() => notYet('query', 'the client comes with the routing hub'));
}
