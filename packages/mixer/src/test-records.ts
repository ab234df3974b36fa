// Records for the mixer's tests and benchmarks: real self-instruct seeds (read from the shared data
// folder) and evolved children made from them by appending constraints, as an evolver would.
import { readFileSync } from 'node:fs';
import { childRecordId, seedRecordId, type EvolRecord } from '@evolflow/core';

export const SHARED_DATA = process.env.EVOLFLOW_SHARED_DATA ?? '/work/shared/data';
export const SELF_INSTRUCT = `${SHARED_DATA}/seeds/self-instruct-seed-tasks.jsonl`;
export const VICUNA = `${SHARED_DATA}/seeds/vicuna-80.jsonl`;

const STRATEGIES = ['add-constraints', 'deepening', 'concretizing', 'increase-reasoning', 'complicate-input', 'mutation'];
const ADDITIONS = [
  'Answer in no more than 120 words and include at least two concrete examples.',
  'Explain your reasoning step by step and justify each choice you make.',
  'Present the result as a markdown table with a column for each criterion.',
  'Consider the trade-offs for a beginner and for an expert, and compare them.',
  'Return the answer as JSON with the keys "summary" and "details", where details is a list.',
  'Make sure the answer also covers edge cases, and state any assumptions you rely on.',
];

/** The 175 self-instruct seeds as round-0 records (instruction, first instance's input and output). */
export function selfInstructSeeds(): EvolRecord[] {
  return readFileSync(SELF_INSTRUCT, 'utf8').trim().split('\n').map((line, i) => {
    const task = JSON.parse(line) as { instruction: string; instances: { input: string; output: string }[] };
    const id = seedRecordId(SELF_INSTRUCT, i + 1, task.instruction);
    const input = task.instances[0]?.input ?? '';
    return {
      id, seedId: id, parentId: null, round: 0, instruction: task.instruction, ...(input ? { input } : {}),
      response: task.instances[0]?.output ?? '', lineage: [], checks: [], usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
      source: { file: SELF_INSTRUCT, line: i + 1, format: 'self-instruct' },
    };
  });
}

/** Evolved descendants of `seeds` for rounds 1..rounds: each round appends one more demand. */
export function evolvedFrom(seeds: readonly EvolRecord[], rounds: number): EvolRecord[] {
  const out: EvolRecord[] = [];
  seeds.forEach((seed, i) => {
    let parent = seed;
    for (let round = 1; round <= rounds; round++) {
      const strategy = STRATEGIES[(i + round) % STRATEGIES.length] as string;
      const id = childRecordId(seed.id, round);
      const child: EvolRecord = {
        ...parent, id, parentId: parent.id, round, strategy,
        instruction: `${parent.instruction} ${ADDITIONS[(i * 7 + round) % ADDITIONS.length]}`,
        response: `Response to round ${round} of ${seed.id}.`,
        lineage: [...parent.lineage, { id, round, strategy }],
      };
      delete child.source;
      out.push(child);
      parent = child;
    }
  });
  return out;
}
