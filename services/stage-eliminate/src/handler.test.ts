import { describe, expect, it } from 'vitest';
import {
  assertRecord,
  DEFAULT_CONFIG,
  EvolflowError,
  mergeDeep,
  zeroUsage,
  type ChatMessage,
  type Config,
  type EvolRecord,
  type LlmCaller,
  type Logger,
  type StageEnv,
} from '@evolflow/core';
import { createEliminateStage } from './handler.ts';

const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const child: EvolRecord = {
  id: 's-1.r1',
  seedId: 's-1',
  parentId: 's-1',
  round: 1,
  strategy: 'add-constraints',
  instruction: 'List three fruits, each with its typical colour.',
  response: 'Banana: yellow. Strawberry: red. Blueberry: blue. These are common fruits with distinctive colours.',
  lineage: [{ id: 's-1.r1', round: 1, strategy: 'add-constraints' }],
  checks: [{ stage: 'evolve', reason: 'ok' }],
  usage: zeroUsage(),
  parent: { id: 's-1', round: 0, instruction: 'List three fruits.', lineage: [] },
};

/** A judge that gives the scripted answers in turn, and remembers what it was asked. */
function judge(...answers: string[]) {
  const asked: ChatMessage[][] = [];
  const llm: LlmCaller = {
    async complete(role, messages) {
      expect(role).toBe('judge');
      asked.push(messages);
      const text = answers[asked.length - 1];
      if (text === undefined) throw new Error(`unexpected call ${asked.length}`);
      return { text, id: `j-${asked.length}`, promptTokens: 50, completionTokens: 3, cached: false };
    },
  };
  return { llm, asked };
}

async function run(llm: LlmCaller, over: unknown = {}) {
  const env: StageEnv = { config: mergeDeep(DEFAULT_CONFIG, over) as Config, logger, llm, cwd: process.cwd(), outDir: '/tmp' };
  const stage = await createEliminateStage(env);
  const emits = await stage.handle(child, undefined, 'responded');
  for (const e of emits) assertRecord(e.record);
  return emits;
}

describe('eliminate stage: the equality judge', () => {
  it('keeps a Not Equal evolution and stores the verdict and the raw answer on its check', async () => {
    const { llm, asked } = judge('They are not exactly equal.');
    const emits = await run(llm);
    expect(emits.map((e) => e.topic)).toEqual(['accepted']);
    expect(emits[0]?.record.checks.at(-1)).toEqual({
      stage: 'eliminate',
      reason: 'ok',
      verdict: 'not-equal',
      answer: 'They are not exactly equal.',
    });
    expect(asked).toHaveLength(1);
    expect(emits[0]?.record.usage).toEqual({ promptTokens: 50, completionTokens: 3, calls: 1 });
  });

  it('rejects an Equal evolution as no-information-gain with the verdict on its check', async () => {
    const emits = await run(judge('Equal').llm);
    expect(emits.map((e) => e.topic)).toEqual(['rejected', 'pool']);
    const rejected = emits[0]?.record;
    expect(rejected?.rejection?.reason).toBe('no-information-gain');
    expect(rejected?.checks.at(-1)).toMatchObject({ stage: 'eliminate', reason: 'no-information-gain', verdict: 'equal', answer: 'Equal' });
  });

  it('asks once more when the answer holds no verdict, with a request that differs from the first', async () => {
    const { llm, asked } = judge('The first prompt asks for fruits. The second prompt asks for fruits and colours.', 'Not Equal');
    const emits = await run(llm);
    expect(emits.map((e) => e.topic)).toEqual(['accepted']);
    expect(asked).toHaveLength(2);
    expect(asked[1]).not.toEqual(asked[0]);
    expect(asked[1]?.at(-1)?.content).toMatch(
      /^Answer with exactly Equal or Not Equal\.\nThe First Prompt: List three fruits\.\nThe Second Prompt: List three fruits, each with its typical colour\.\nYour judgement:$/,
    );
    expect(emits[0]?.record.checks.at(-1)).toEqual({ stage: 'eliminate', reason: 'ok', verdict: 'not-equal', answer: 'Not Equal' });
    expect(emits[0]?.record.usage.calls).toBe(2);
    expect(emits[0]?.record.calls).toEqual(['j-1', 'j-2']);
  });

  it('rejects no-verdict after two answers without one, storing the last answer cut to 300 characters', async () => {
    const essay = `The first prompt is about fruit. ${'The second prompt talks about colours and fruit at length. '.repeat(10)}`;
    const emits = await run(judge('Equal or Not Equal?', essay).llm);
    expect(emits.map((e) => e.topic)).toEqual(['rejected', 'pool']);
    const rejected = emits[0]?.record;
    expect(rejected?.rejection?.reason).toBe('no-verdict');
    expect(rejected?.rejection?.detail).toMatch(/eliminate\.keepOnNoVerdict/);
    expect(rejected?.checks.at(-1)).toMatchObject({
      stage: 'eliminate',
      reason: 'no-verdict',
      verdict: 'none',
      answer: essay.slice(0, 300),
    });
    expect(rejected?.usage.calls).toBe(2);
  });

  it('cuts a long answer by characters, never inside one (the schema counts code points)', async () => {
    const emoji = '😀'.repeat(400);
    const emits = await run(judge(emoji, emoji).llm);
    expect(emits[0]?.record.checks.at(-1)?.answer).toBe('😀'.repeat(300));
  });

  it('keeps a no-verdict evolution when eliminate.keepOnNoVerdict is true, saying so', async () => {
    const emits = await run(judge('', 'Hmm.').llm, { eliminate: { keepOnNoVerdict: true } });
    expect(emits.map((e) => e.topic)).toEqual(['accepted']);
    expect(emits[0]?.record.checks.at(-1)).toMatchObject({ stage: 'eliminate', reason: 'ok', verdict: 'none', answer: 'Hmm.' });
    expect(emits[0]?.record.checks.at(-1)?.detail).toMatch(/keepOnNoVerdict/);
  });

  it('an Equal on the second ask is still no-information-gain', async () => {
    const emits = await run(judge('Both prompts are about fruit.', 'Equal').llm);
    expect(emits[0]?.record.rejection?.reason).toBe('no-information-gain');
  });

  it('rejects llm-error when the second ask fails, keeping the tokens of the first', async () => {
    const emits = await run(judge('no idea').llm);
    expect(emits[0]?.record.rejection?.reason).toBe('llm-error');
    expect(emits[0]?.record.usage.calls).toBe(1);
  });

  it('rethrows a judge call a stop cancelled, the equality or the difficulty judge: no reject, not kept without its difficulty', async () => {
    const stopped = new EvolflowError('cancelled', 'LLM judge call for record s-1.r1 was cancelled by a stop (SIGINT)');
    const cut: LlmCaller = {
      complete: async () => {
        throw stopped;
      },
    };
    await expect(run(cut)).rejects.toBe(stopped);
    await expect(run(cut, { eliminate: { judge: false, difficultyJudge: true } })).rejects.toBe(stopped);
  });

  it('with the judge off, keeps the record with a plain ok check', async () => {
    const emits = await run(judge().llm, { eliminate: { judge: false } });
    expect(emits[0]?.record.checks.at(-1)).toEqual({ stage: 'eliminate', reason: 'ok' });
  });
});
