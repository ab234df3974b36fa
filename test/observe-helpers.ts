// Helpers of the observe end-to-end tests: run `evolflow run` as a child process, find a free
// port, read Prometheus text, write a config file.
import { mkdtempSync, writeFileSync } from 'node:fs';
export { freePort } from '@evolflow/observe/testing';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { seedTasksPath, vicunaPath } from '@evolflow/testdata';

export { BIN, evolflow, ROOT, type ChildRun } from './helpers/cli.ts';
export const SELF_INSTRUCT = seedTasksPath;
export const VICUNA = vicunaPath;

export const tempDir = (name: string) => mkdtempSync(join(tmpdir(), `evolflow-${name}-`));

/** Write `config` as YAML into `dir` and return the path. The response cache is off unless set. */
export function writeConfig(dir: string, config: Record<string, unknown>): string {
  const file = join(dir, 'evolflow.config.yaml');
  const llm = (config.llm ?? {}) as Record<string, unknown>;
  writeFileSync(file, stringify({ ...config, llm: { cache: { enabled: false }, ...llm } }));
  return file;
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Every sample line of a Prometheus text exposition. */
export function parseMetrics(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1] as string, x[2] as string]));
    out.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return out;
}

/** Sum of a metric's samples whose labels include `where`. */
export function sum(samples: readonly Sample[], name: string, where: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

/** Per value of `label`, the sum of a metric's samples matching `where`. */
export function sumBy(
  samples: readonly Sample[],
  name: string,
  { label, where = {} }: { label: string; where?: Record<string, string> },
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) {
    if (s.name !== name || !Object.entries(where).every(([k, v]) => s.labels[k] === v)) continue;
    const key = s.labels[label] ?? '';
    out[key] = (out[key] ?? 0) + s.value;
  }
  return out;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
