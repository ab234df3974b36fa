// Finding plugins: a short name (`add-constraints` -> `@evolflow/strategy-add-constraints`), any
// npm package name, or a file path. The default export must be a factory; its product is checked.
import { createRequire } from 'node:module';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PluginError } from './errors.ts';
import type { Strategy, Validator } from './contracts.ts';

/** The package (or file) a plugin spec names. */
export function pluginPackage(kind: 'strategy' | 'validator', spec: string): string {
  if (spec.startsWith('.') || isAbsolute(spec) || spec.includes('/') || spec.startsWith('@')) return spec;
  return `@evolflow/${kind}-${spec}`;
}

async function importPlugin(pkg: string, cwd: string): Promise<unknown> {
  let target = pkg;
  if (pkg.startsWith('.') || isAbsolute(pkg)) {
    target = pathToFileURL(resolve(cwd, pkg)).href;
  } else {
    try {
      target = pathToFileURL(createRequire(resolve(cwd, 'package.json')).resolve(pkg)).href;
    } catch {
      target = pkg; // let Node resolve it from here (workspace packages, global paths)
    }
  }
  try {
    return await import(target);
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    const why =
      code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
        ? 'cannot be found; install it (npm install ' + pkg + ') or fix the name in the config'
        : `failed to load: ${(cause as Error).message}`;
    throw new PluginError(pkg, why, cause);
  }
}

function factoryOf(pkg: string, mod: unknown): (options?: Readonly<Record<string, unknown>>) => unknown {
  const fn = (mod as { default?: unknown }).default;
  if (typeof fn !== 'function') throw new PluginError(pkg, 'must default-export a factory function');
  return fn as (options?: Readonly<Record<string, unknown>>) => unknown;
}

function requireShape(pkg: string, value: unknown, fields: Record<string, string>): void {
  if (typeof value !== 'object' || value === null) throw new PluginError(pkg, 'its factory must return an object');
  for (const [field, type] of Object.entries(fields)) {
    if (typeof (value as Record<string, unknown>)[field] !== type) {
      throw new PluginError(pkg, `its factory's result needs "${field}" of type ${type}`);
    }
  }
}

export interface LoadPluginOptions {
  options?: Readonly<Record<string, unknown>>;
  /** Folder relative paths and packages resolve from (default: the working directory). */
  cwd?: string;
}

/** Import a strategy plugin by name, package or path, and check its shape. */
export async function loadStrategy(spec: string, opts: LoadPluginOptions = {}): Promise<Strategy> {
  const pkg = pluginPackage('strategy', spec);
  const strategy = factoryOf(pkg, await importPlugin(pkg, opts.cwd ?? process.cwd()))(opts.options ?? {});
  requireShape(pkg, strategy, { name: 'string', kind: 'string', prompt: 'function', parse: 'function' });
  const kind = (strategy as Strategy).kind;
  if (kind !== 'depth' && kind !== 'breadth')
    throw new PluginError(pkg, `"kind" must be "depth" or "breadth", not ${JSON.stringify(kind)}`);
  return strategy as Strategy;
}

/** Import a validator plugin by name, package or path, and check its shape. */
export async function loadValidator(spec: string, opts: LoadPluginOptions = {}): Promise<Validator> {
  const pkg = pluginPackage('validator', spec);
  const validator = factoryOf(pkg, await importPlugin(pkg, opts.cwd ?? process.cwd()))(opts.options ?? {});
  requireShape(pkg, validator, { name: 'string', reason: 'string', validate: 'function' });
  if (!Array.isArray((validator as Validator).formats))
    throw new PluginError(pkg, 'its factory\'s result needs "formats", an array of strings');
  return validator as Validator;
}
