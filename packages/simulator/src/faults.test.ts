// Fault injection over HTTP: every kind is produced where it applies, logged with its completion
// or request id, decided by content (so repeatable) and mapped to the reason the pipeline must give.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { taskText, words, type EvolRecord } from '@evolflow/core';
import { FAULT_REASON, faultReason, startSimulator, type ContentFaultKind, type FaultKind, type RunningSimulator } from './index.ts';
import { newContentWords } from './lexicon.ts';
import { chat, childOf, mapLimit, selfInstructSeeds, strategyPrompts } from './test-helpers.ts';

const NLTK_STOP = new Set('the and of to it is that this with as for on by or an in be so there then'.split(' '));
const seeds = selfInstructSeeds();
const seed = seeds[12] as EvolRecord;
const given = taskText;

describe('fault injection', () => {
  let prompts: Awaited<ReturnType<typeof strategyPrompts>>;
  const open: RunningSimulator[] = [];
  const start = async (...args: Parameters<typeof startSimulator>) => {
    const s = await startSimulator(...args);
    open.push(s);
    return s;
  };
  const evolve = (sim: RunningSimulator, { strategy, parent, random = 0.3 }: { strategy: string; parent: EvolRecord; random?: number }) =>
    chat(sim.url, (prompts[strategy] as NonNullable<(typeof prompts)[string]>)(parent, random).messages);
  beforeAll(async () => {
    prompts = await strategyPrompts();
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });

  const only = (kind: FaultKind) => start({ faultRate: 1, faults: [kind] });

  it('refusal, too-short and stopwords-only hit responder requests only', async () => {
    for (const kind of ['refusal', 'too-short', 'stopwords-only'] as const) {
      const sim = await only(kind);
      const out = await chat(sim.url, [{ role: 'user', content: 'Explain how vaccines train the immune system.' }]);
      const evolved = await evolve(sim, { strategy: 'deepening', parent: seed });
      expect(sim.faults()).toEqual([{ requestId: out.id, kind, role: 'responder', output: out.text }]);
      expect(evolved.status).toBe(200);
      const n = words(out.text).length;
      if (kind === 'refusal') expect(/^Sorry, I cannot/.test(out.text) && n < 80).toBe(true);
      if (kind === 'too-short') expect(n === 1 || n === 2).toBe(true);
      if (kind === 'stopwords-only') expect(words(out.text).every((w) => NLTK_STOP.has(w)) && n > 0).toBe(true);
    }
  });

  it('unchanged, no-gain and meta-copy hit evolver requests', async () => {
    const unchanged = await only('unchanged');
    expect((await evolve(unchanged, { strategy: 'add-constraints', parent: seed })).text).toBe(given(seed));
    expect((await chat(unchanged.url, [{ role: 'user', content: 'What is 2 + 2?' }])).status).toBe(200);
    expect(unchanged.faults().map((f) => [f.kind, f.role, f.strategy])).toEqual([['unchanged', 'evolver', 'add-constraints']]);

    const noGain = await only('no-gain');
    const out = await evolve(noGain, { strategy: 'concretizing', parent: seed });
    expect(newContentWords(given(seed), out.text).length).toBeLessThanOrEqual(2);
    expect(words(out.text).length - words(given(seed)).length).toBeLessThanOrEqual(2);
    expect(out.text).not.toBe(given(seed));
    const judge = await chat(noGain.url, [
      { role: 'user', content: `The First Prompt: ${given(seed)}\nThe Second Prompt: ${out.text}\nYour judgement:` },
    ]);
    expect(judge.text).toBe('Equal');

    const meta = await only('meta-copy');
    for (const name of ['deepening', 'mutation', 'complicate-input']) {
      expect((await evolve(meta, { strategy: name, parent: seeds[20] as EvolRecord })).text).toMatch(/#Rewritten Prompt#|the given prompt/);
    }
    expect(meta.faults()).toHaveLength(3);
  });

  it('broken-format hits complicate-input only, and maps to the reason of its format', async () => {
    const sim = await only('broken-format');
    expect((await evolve(sim, { strategy: 'deepening', parent: seed })).status).toBe(200);
    const outs = await mapLimit([0, 0.2, 0.4, 0.6, 0.8], 5, (r) => evolve(sim, { strategy: 'complicate-input', parent: seed, random: r }));
    const faults = sim.faults();
    expect(faults.map((f) => f.format).sort()).toEqual(['javascript', 'json', 'markdown-table', 'python', 'sql']);
    expect(faults.map((f) => faultReason(f)).sort()).toEqual([
      'invalid-code',
      'invalid-code',
      'invalid-json',
      'invalid-sql',
      'invalid-table',
    ]);
    const json = faults.find((f) => f.format === 'json');
    const block = /```json\n([\s\S]*?)\n```/.exec(json?.output ?? '')?.[1] ?? '';
    expect(() => JSON.parse(block)).toThrow();
    expect(outs.map((o) => o.id).sort()).toEqual(faults.map((f) => f.requestId).sort());
  });

  it('repeat returns, verbatim, the instruction the simulator evolved the parent from', async () => {
    const sim = await only('repeat');
    const first = await evolve(sim, { strategy: 'add-constraints', parent: seed });
    expect(sim.faults()).toHaveLength(0); // nothing known yet: a clean evolution
    const second = await evolve(sim, { strategy: 'deepening', parent: childOf(seed, first.text) });
    expect(second.text).toBe(given(seed));
    expect(sim.faults()).toEqual([{ requestId: second.id, kind: 'repeat', role: 'evolver', strategy: 'deepening', output: given(seed) }]);
    expect(FAULT_REASON.repeat).toBe('duplicate');
  });

  it('content faults are decided by content: the same request gets the same fault, and the rate holds', async () => {
    const sim = await start({ faultRate: 0.3, faults: ['too-short'] });
    const questions = seeds.map((s) => s.instruction);
    const a = await mapLimit(questions, 16, (q) => chat(sim.url, [{ role: 'user', content: q }]));
    const b = await mapLimit(questions, 16, (q) => chat(sim.url, [{ role: 'user', content: q }]));
    expect(b.map((x) => x.text)).toEqual(a.map((x) => x.text));
    const faulty = sim.faults().length / 2;
    expect(Number.isInteger(faulty)).toBe(true);
    expect(faulty / questions.length).toBeGreaterThan(0.2);
    expect(faulty / questions.length).toBeLessThan(0.4);
  });

  it('strategyFaultRates makes one strategy fail about 80% of the time, and only that one', async () => {
    const sim = await start({ strategyFaultRates: { deepening: 0.8 } });
    const parents = seeds.slice(0, 120);
    await mapLimit(parents, 16, (p) => evolve(sim, { strategy: 'deepening', parent: p }));
    await mapLimit(parents, 16, (p) => evolve(sim, { strategy: 'increase-reasoning', parent: p }));
    await mapLimit(parents.slice(0, 40), 16, (p) => chat(sim.url, [{ role: 'user', content: p.instruction }]));
    const faults = sim.faults();
    expect(faults.every((f) => f.strategy === 'deepening' && f.role === 'evolver')).toBe(true);
    expect(faults.length / parents.length).toBeGreaterThan(0.7);
    expect(faults.length / parents.length).toBeLessThan(0.9);
    const kinds = new Set(faults.map((f) => f.kind));
    expect([...kinds].sort()).toEqual(['meta-copy', 'no-gain', 'unchanged']);
  });

  it('transport faults by rate: same sequence in two simulators, and a retry of the same request can succeed', async () => {
    const run = async () => {
      const sim = await start({ faultRate: 0.4, faults: ['rate-limit', 'server-error'] });
      const statuses: number[] = [];
      for (const q of seeds.slice(0, 20).map((s) => s.instruction)) {
        for (let attempt = 0; attempt < 12; attempt++) {
          const res = await chat(sim.url, [{ role: 'user', content: q }]);
          statuses.push(res.status);
          if (res.status === 200) break;
          if (res.status === 429) expect(res.headers.get('retry-after')).toBe('1');
        }
      }
      return { statuses, faults: sim.faults().map((f) => `${f.kind}:${f.requestId}`) };
    };
    const [a, b] = [await run(), await run()];
    expect(b).toEqual(a);
    expect(a.statuses.filter((s) => s === 200)).toHaveLength(20);
    expect(a.statuses.filter((s) => s === 429).length).toBeGreaterThan(0);
    expect(a.statuses.filter((s) => s === 500).length).toBeGreaterThan(0);
    expect(a.faults).toHaveLength(a.statuses.length - 20);
  });

  it('maps every content fault to the reason the pipeline rejects it with', () => {
    const reasons: Record<ContentFaultKind, string> = {
      refusal: 'sorry',
      'meta-copy': 'meta-copy',
      'too-short': 'too-short',
      'stopwords-only': 'stopwords-only',
      unchanged: 'unchanged',
      'no-gain': 'no-information-gain',
      'broken-format': 'invalid-format',
      repeat: 'duplicate',
      'code-syntax': 'code-error',
      'code-exception': 'code-error',
      'code-failing-test': 'code-error',
      'code-endless-loop': 'code-timeout',
      'math-wrong': 'no-consensus',
    };
    expect(FAULT_REASON).toEqual(reasons);
    const broken = (format: string) => faultReason({ requestId: 'x', kind: 'broken-format', role: 'evolver', format });
    expect(['json', 'sql', 'python', 'rust', 'markdown-table', 'csv', 'yaml', 'xml'].map(broken)).toEqual([
      'invalid-json',
      'invalid-sql',
      'invalid-code',
      'invalid-code',
      'invalid-table',
      'invalid-table',
      'invalid-yaml',
      'invalid-xml',
    ]);
    expect(faultReason({ requestId: 'x', kind: 'refusal', role: 'responder' })).toBe('sorry');
    expect(faultReason({ requestId: 'x', kind: 'stall', role: 'judge' })).toBe('');
  });

  it('rejects bad options with a config error that names the option', async () => {
    await expect(startSimulator({ faultRate: 2 })).rejects.toThrow(/faultRate/);
    await expect(startSimulator({ faults: ['boom' as FaultKind] })).rejects.toThrow(/unknown fault kind "boom"/);
    await expect(startSimulator({ strategyFaultRates: { deepening: -1 } })).rejects.toThrow(/strategyFaultRates.deepening/);
  });
});

describe('faults on complicate-input', () => {
  it('no-gain and repeat only where the answer still holds a block of the asked format', async () => {
    const prompts = await strategyPrompts();
    const sim = await startSimulator({ faultRate: 1, faults: ['no-gain', 'repeat'] });
    const ask = (parent: EvolRecord, r: number) =>
      chat(sim.url, (prompts['complicate-input'] as NonNullable<(typeof prompts)[string]>)(parent, r).messages);
    const first = await ask(seed, 0); // json asked, no json block in the seed: clean
    expect(sim.faults()).toHaveLength(0);
    const second = await ask(childOf(seed, first.text), 0); // json again: the parent has a json block
    expect(sim.faults().map((f) => f.kind)).toEqual(['no-gain']);
    expect(second.text).toContain('```json\n');
    await sim.close();
  });
});
