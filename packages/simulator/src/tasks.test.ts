// Coding and math answers: correct code passes its own tests when really run (python3, node), each broken
// kind fails the way it is labelled, math answers state the right number (or a wrong one when asked), and
// the server labels these faults and varies a math fault by occurrence.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadStrategy, seededRandom, type EvolRecord } from '@evolflow/core';
import { recognise } from './brain.ts';
import { faultReason, startSimulator } from './index.ts';
import {
  CODE_BREAKS,
  codeAnswer,
  codingSeeds,
  mathAnswer,
  mathSeeds,
  mathSolution,
  recogniseCode,
  testsAnswer,
  type CodeBreak,
} from './tasks.ts';
import { chat } from './test-helpers.ts';

// The system interpreter when there is one (a pyenv shim costs half a second a start), else python3 on PATH.
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const scratch = mkdtempSync(join(tmpdir(), 'sim-tasks-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Run the fenced block of an answer (our own generated code, not model output) with python3 or node. */
function run(answer: string, timeoutMs = 20_000): { status: number | null; stderr: string; killed: boolean } {
  const m = /```(python|javascript)\n([\s\S]*?)\n```/.exec(answer);
  if (!m) throw new Error(`no fenced block in ${answer.slice(0, 80)}`);
  const file = join(scratch, m[1] === 'python' ? 'main.py' : 'main.cjs');
  writeFileSync(file, m[2] as string);
  const r = spawnSync(m[1] === 'python' ? PYTHON : process.execPath, [file], {
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
  });
  return { status: r.status, stderr: r.stderr, killed: r.signal === 'SIGKILL' };
}

const seeds = codingSeeds(20, seededRandom(3, 'coding-seeds'));
const problems = mathSeeds(70, seededRandom(3, 'math-seeds'));
const stated = (text: string) => Number(/(?:The answer is|答案是) (-?[\d.]+)/.exec(text)?.[1]);

describe('coding answers', () => {
  it('recognise all 20 seeds (10 families, Python then JavaScript), and the language asked for', () => {
    expect(new Set(seeds.map((s) => recogniseCode(s)?.family.name)).size).toBe(10);
    expect(seeds.map((s) => recogniseCode(s)?.language)).toEqual([...Array(10).fill('python'), ...Array(10).fill('javascript')]);
    expect(recogniseCode('Explain how prime numbers are used in cryptography.')).toBeUndefined();
    expect(codeAnswer('Write a haiku about autumn.')).toBeUndefined();
  });

  it('correct answers carry tests and pass them when run', () => {
    const failures = seeds.map((s) => ({ s, r: run(codeAnswer(s) as string) })).filter(({ r }) => r.status !== 0);
    expect(failures.map(({ s, r }) => `${s}: ${r.stderr}`)).toEqual([]);
  });

  it('a syntax error, an exception and a failing test each fail with the error a run shows', () => {
    const expected: Record<Exclude<CodeBreak, 'code-endless-loop'>, { python: RegExp; javascript: RegExp }> = {
      'code-syntax': { python: /SyntaxError/, javascript: /SyntaxError/ },
      'code-exception': { python: /NameError: name 'check_input' is not defined/, javascript: /ReferenceError: checkInput is not defined/ },
      'code-failing-test': { python: /AssertionError/, javascript: /AssertionError/ },
    };
    let runs = 0;
    for (const s of seeds) {
      const language = recogniseCode(s)?.language ?? 'python';
      for (const [kind, errors] of Object.entries(expected)) {
        const r = run(codeAnswer(s, kind as CodeBreak) as string);
        expect(r.status, `${kind}: ${s}`).not.toBe(0);
        expect(r.stderr, `${kind}: ${s}`).toMatch(errors[language]);
        runs++;
      }
    }
    expect(runs).toBe(60);
  });

  it('an endless loop never finishes (killed here after a while), in both languages', () => {
    const python = run(codeAnswer(seeds[2] as string, 'code-endless-loop') as string, 1500);
    const javascript = run(codeAnswer(seeds[12] as string, 'code-endless-loop') as string, 1500);
    expect([python.killed, javascript.killed]).toEqual([true, true]);
  });

  it("answers the verify stage's request for tests with tests of the task's function", () => {
    const request = `Task:\n${seeds[2] as string}\n\nSolution:\n\`\`\`python\ndef factorial(n): ...\n\`\`\`\n\nWrite 3 to 5 tests that check this solution does what the task asks.`;
    expect(testsAnswer(request)).toBe(
      '```python\nfrom solution import factorial\nassert factorial(0) == 1\nassert factorial(5) == 120\nassert factorial(10) == 3628800\n```',
    );
  });
});

describe('math answers', () => {
  it('solve every seed problem (7 families, one in Chinese), stating the right number last', () => {
    expect(problems.map((p) => stated(mathAnswer(p) as string))).toEqual(problems.map((p) => mathSolution(p)));
    expect(problems.every((p) => Number.isInteger(mathSolution(p)) && (mathSolution(p) as number) >= 0)).toBe(true);
    expect(mathAnswer('Explain what a prime number is.')).toBeUndefined();
  });

  it('state a wrong final number after the same steps when asked', () => {
    const p = problems[0] as string;
    expect(stated(mathAnswer(p, 3) as string)).toBe((mathSolution(p) as number) + 3);
    expect((mathAnswer(p, 3) as string).split('\n').slice(0, -1)).toEqual((mathAnswer(p) as string).split('\n').slice(0, -1));
  });
});

describe('the server', () => {
  it('labels broken code answers with their kind and expected reason, at answerFaultRate only', async () => {
    const clean = await startSimulator({ faultRate: 1, faults: ['refusal'] });
    const quiet = await startSimulator({});
    const broken = await startSimulator({ answerFaultRate: 1, faults: ['code-endless-loop'] });
    try {
      const ask = [{ role: 'user' as const, content: seeds[3] as string }];
      expect((await chat(quiet.url, ask)).text).toBe(codeAnswer(seeds[3] as string));
      expect(quiet.faults()).toEqual([]);
      // faultRate does not break code: the other responder faults (here a refusal) still apply as before.
      expect((await chat(clean.url, ask)).text).toMatch(/^Sorry, I cannot/);
      const out = await chat(broken.url, ask);
      expect(out.text).toBe(codeAnswer(seeds[3] as string, 'code-endless-loop'));
      const faults = broken.faults();
      expect(faults).toEqual([{ requestId: out.id, kind: 'code-endless-loop', role: 'responder', output: out.text }]);
      expect(faultReason(faults[0] as (typeof faults)[number])).toBe('code-timeout');
    } finally {
      await Promise.all([clean.close(), quiet.close(), broken.close()]);
    }
  });

  it('spreads the code break kinds over tasks, and decides a math fault anew on each occurrence of a request', async () => {
    const sim = await startSimulator({ answerFaultRate: 0.5, seed: 11 });
    try {
      for (const s of seeds) await chat(sim.url, [{ role: 'user', content: s }]);
      const kinds = new Set(sim.faults().map((f) => f.kind));
      expect(kinds.size).toBeGreaterThan(1);
      expect([...kinds].every((k) => (CODE_BREAKS as readonly string[]).includes(k))).toBe(true);
      const ask = [{ role: 'user' as const, content: problems[5] as string }];
      const answers = [];
      for (let i = 0; i < 12; i++) answers.push(await chat(sim.url, ask));
      const wrong = answers.filter((a) => stated(a.text) !== mathSolution(problems[5] as string));
      const mathFaults = sim.faults().filter((f) => f.kind === 'math-wrong');
      expect(mathFaults.map((f) => f.requestId)).toEqual(wrong.map((a) => a.id));
      expect(wrong.length).toBeGreaterThan(0);
      expect(wrong.length).toBeLessThan(12);
      expect(new Set(answers.map((a) => a.id)).size).toBe(12);
      expect(faultReason(mathFaults[0] as (typeof mathFaults)[number])).toBe('no-consensus');
    } finally {
      await sim.close();
    }
  });
});

describe('the evolver, for the code and math packs', () => {
  const record = (instruction: string): EvolRecord => ({
    id: 's',
    seedId: 's',
    parentId: null,
    round: 0,
    instruction,
    lineage: [],
    checks: [],
    usage: { promptTokens: 0, completionTokens: 0, calls: 0 },
  });
  const names = [
    'code-constraints',
    'code-reasoning',
    'code-misdirect',
    'code-complexity',
    'math-harder',
    'math-easier',
    'math-steps',
    'math-quantities',
  ];

  it('recognises each pack strategy from its prompt', async () => {
    const seen: string[] = [];
    for (const name of names) {
      const strategy = await loadStrategy(name);
      const logger = { debug() {}, info() {}, warn() {}, error() {} };
      for (const random of [0.1, 0.9]) {
        const { messages } = strategy.prompt(record(seeds[0] as string), { random: () => random, options: {}, logger });
        seen.push(recognise(messages[0]?.content ?? '').strategy ?? '?');
      }
    }
    expect(seen).toEqual(names.flatMap((n) => [n, n]));
  });

  it('turns a known problem into another of its family for math-quantities and math-easier, which it then solves', async () => {
    const sim = await startSimulator({});
    try {
      const logger = { debug() {}, info() {}, warn() {}, error() {} };
      for (const name of ['math-quantities', 'math-easier']) {
        const strategy = await loadStrategy(name);
        const { messages } = strategy.prompt(record(problems[1] as string), { random: () => 0.5, options: {}, logger });
        const evolved = (await chat(sim.url, messages)).text;
        expect(evolved).not.toBe(problems[1]);
        expect(evolved).toMatch(/^A notebook costs \$\d+\. \w+ buys \d+ of them and pays with a \$\d+ bill/);
        expect(stated((await chat(sim.url, [{ role: 'user', content: evolved }])).text)).toBe(mathSolution(evolved));
      }
    } finally {
      await sim.close();
    }
  });
});
