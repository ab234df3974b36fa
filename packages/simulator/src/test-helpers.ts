// Test helpers shared by the simulator's tests: seeds, strategy prompts, and a chat call.
import { readFileSync } from 'node:fs';
import { loadStrategy, type EvolRecord, type EvolutionPrompt, type StrategyContext } from '@evolflow/core';
import { seedTasksPath } from '@evolflow/testdata';

export const STRATEGIES = ['add-constraints', 'deepening', 'concretizing', 'increase-reasoning', 'complicate-input', 'mutation'] as const;

/** The self-instruct seed tasks as round-0 records (instruction plus first instance input). */
export function selfInstructSeeds(): EvolRecord[] {
  return readFileSync(seedTasksPath, 'utf8')
    .trim()
    .split('\n')
    .map((line, i) => {
      const task = JSON.parse(line) as { instruction: string; instances: { input: string }[] };
      const input = task.instances[0]?.input ?? '';
      return {
        id: `s-${i}`,
        seedId: `s-${i}`,
        parentId: null,
        round: 0,
        instruction: task.instruction,
        ...(input ? { input } : {}),
        lineage: [],
        checks: [],
        usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
      };
    });
}

/** A child record holding `instruction`, for the next round. */
export function childOf(parent: EvolRecord, instruction: string): EvolRecord {
  const { input: _input, ...rest } = parent;
  return { ...rest, id: `${parent.id}.x`, parentId: parent.id, instruction, round: parent.round + 1 };
}

const logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Prompt builders of the real strategy plugins, loaded by name as the host does. */
export async function strategyPrompts(): Promise<Record<string, (parent: EvolRecord, random?: number) => EvolutionPrompt>> {
  const out: Record<string, (parent: EvolRecord, random?: number) => EvolutionPrompt> = {};
  for (const name of STRATEGIES) {
    const strategy = await loadStrategy(name);
    out[name] = (parent, random = 0.3) => {
      const ctx: StrategyContext = { random: () => random, options: {}, logger };
      return strategy.prompt(parent, ctx);
    };
  }
  return out;
}

export interface Completion {
  status: number;
  id: string;
  text: string;
  headers: Headers;
}

/** One chat completion against `baseUrl` (ending in /v1). */
export async function chat(baseUrl: string, messages: EvolutionPrompt['messages']): Promise<Completion> {
  const res = await fetch(`${baseUrl}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'sim', messages }),
  });
  const body = (await res.json()) as { id?: string; choices?: { message: { content: string } }[] };
  return { status: res.status, id: body.id ?? '', text: body.choices?.[0]?.message.content ?? '', headers: res.headers };
}

/** Run `fn` over `items` with at most `limit` in flight, keeping order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T, i);
      }
    }),
  );
  return out;
}
