import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStrategy, loadValidator, pluginPackage } from './plugins.ts';

const dir = mkdtempSync(join(tmpdir(), 'evolflow-plugins-'));
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text);
  return join(dir, name);
};

describe('plugin loading', () => {
  it('maps short names to packages and keeps package names and paths', () => {
    expect(pluginPackage('strategy', 'deepening')).toBe('@evolflow/strategy-deepening');
    expect(pluginPackage('validator', 'json')).toBe('@evolflow/validator-json');
    expect(pluginPackage('strategy', '@acme/evol-persona')).toBe('@acme/evol-persona');
    expect(pluginPackage('strategy', './my-strategy.mjs')).toBe('./my-strategy.mjs');
  });

  it('loads a strategy from a file path and checks its shape', async () => {
    const ok = file(
      'ok.mjs',
      "export default (o) => ({ name: 'persona', kind: 'breadth', prompt: () => ({ messages: [] }), parse: (t) => ({ instruction: t }) });",
    );
    const s = await loadStrategy(ok);
    expect(s.name).toBe('persona');
  });

  it('fails with the package name when the plugin is missing or malformed', async () => {
    await expect(loadStrategy('no-such-strategy')).rejects.toThrow('plugin @evolflow/strategy-no-such-strategy: cannot be found');
    const noDefault = file('nodefault.mjs', 'export const x = 1;');
    await expect(loadStrategy(noDefault)).rejects.toThrow(`plugin ${noDefault}: must default-export a factory function`);
    const noParse = file('noparse.mjs', "export default () => ({ name: 'x', kind: 'depth', prompt() {} });");
    await expect(loadStrategy(noParse)).rejects.toThrow(/needs "parse" of type function/);
    const badKind = file('badkind.mjs', "export default () => ({ name: 'x', kind: 'sideways', prompt() {}, parse() {} });");
    await expect(loadStrategy(badKind)).rejects.toThrow(/"kind" must be "depth" or "breadth"/);
    const badValidator = file('badvalidator.mjs', "export default () => ({ name: 'v', reason: 'invalid-x', validate() {} });");
    await expect(loadValidator(badValidator)).rejects.toThrow(/needs "formats"/);
  });
});
