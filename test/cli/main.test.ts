/**
 * `dkd` loads only the modules a command needs (src/cli/main.ts): each command must come
 * out exactly as in the whole program, and every command must be known there.
 */
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, COMMAND_MODULES } from '../../src/cli/main.js';

interface Shape {
  name: string;
  description: string;
  usage: string;
  options: string[];
  runnable: boolean;
  commands: Shape[];
}

function shape(c: Command): Shape {
  return {
    name: c.name(),
    description: c.description(),
    usage: c.usage(),
    options: c.options.map((o) => `${o.flags} ${o.description} ${JSON.stringify(o.defaultValue)}`),
    runnable: (c as unknown as { _actionHandler: unknown })._actionHandler !== null,
    commands: c.commands.map(shape),
  };
}

describe('dkd loads per command', () => {
  it('knows every command of the whole program, and builds each as the whole program does', async () => {
    const whole = await buildProgram();
    const names = whole.commands.map((c) => c.name());
    expect(names).toContain('ingest');
    expect(names.sort()).toEqual(Object.keys(COMMAND_MODULES).sort());
    for (const name of names) {
      const part = await buildProgram(['node', 'dkd', name, '--some-option']);
      const own = part.commands.find((c) => c.name() === name);
      expect(own, name).toBeDefined();
      expect(shape(own!), name).toEqual(shape(whole.commands.find((c) => c.name() === name)!));
    }
  }, 60_000);

  it('ingest does not load the web server; help and unknown commands get the whole program', async () => {
    const ingest = await buildProgram(['node', 'dkd', 'ingest', 'file.xml']);
    expect(ingest.commands.map((c) => c.name())).not.toContain('serve');
    for (const argv of [['--help'], ['onbekend'], []]) {
      const p = await buildProgram(['node', 'dkd', ...argv]);
      expect(p.commands.map((c) => c.name())).toContain('serve');
      expect(p.commands.map((c) => c.name())).toContain('ingest');
    }
  }, 60_000);
});
