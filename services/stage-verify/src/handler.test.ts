import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  assertRecord,
  DEFAULT_CONFIG,
  EvolflowError,
  mergeDeep,
  type ChatMessage,
  type Config,
  type EvolRecord,
  type LlmCaller,
  type LlmRequestOptions,
  type Logger,
  type StageEnv,
} from '@evolflow/core';
import { sampleSeed, type MathVerdict } from '@evolflow/verify';
import { createVerifyStage, type VerifyStageOptions } from './handler.ts';

const logger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
const FAST = { verify: { code: { timeoutMs: 3000, cpuSeconds: 2, memoryMb: 256 } } };

function child(instruction: string, response: string): EvolRecord {
  return {
    id: 's-1.r1',
    seedId: 's-1',
    parentId: 's-1',
    round: 1,
    strategy: 'add-constraints',
    instruction,
    response,
    lineage: [{ id: 's-1.r1', round: 1, strategy: 'add-constraints' }],
    checks: [{ stage: 'respond', reason: 'ok' }],
    usage: { promptTokens: 10, completionTokens: 20, calls: 2 },
    calls: ['e-1', 'r-1'],
    parent: { id: 's-1', round: 0, instruction: 'Seed.', lineage: [] },
  };
}

/** A responder that answers from a script and remembers what it was asked, with which options. */
function responder(answer: (messages: ChatMessage[], options: LlmRequestOptions, n: number) => string) {
  const asked: { messages: ChatMessage[]; options: LlmRequestOptions }[] = [];
  const llm: LlmCaller = {
    async complete(role, messages, options = {}) {
      expect(role).toBe('responder');
      asked.push({ messages, options });
      return {
        text: answer(messages, options, asked.length),
        id: `x-${asked.length}`,
        promptTokens: 5,
        completionTokens: 7,
        cached: false,
      };
    },
  };
  return { llm, asked };
}

const noLlm: LlmCaller = {
  complete: async () => {
    throw new Error('no LLM call expected');
  },
};

async function run(record: EvolRecord, opts: { llm?: LlmCaller; over?: unknown; stage?: VerifyStageOptions } = {}) {
  const env: StageEnv = {
    config: mergeDeep(mergeDeep(DEFAULT_CONFIG, FAST), opts.over ?? {}) as Config,
    logger,
    llm: opts.llm ?? noLlm,
    cwd: process.cwd(),
    outDir: '/tmp',
  };
  const stage = await createVerifyStage(env, opts.stage);
  const emits = await stage.handle(record, undefined, 'responded');
  for (const e of emits) assertRecord(e.record);
  return { emits, counts: stage.counts() };
}

const PY_OK =
  'Here is the function:\n\n```python\ndef add(a, b):\n    return a + b\n```\n\nAnd tests:\n\n```python\nfrom solution import add\n\ndef test_add():\n    assert add(2, 3) == 5\n    assert add(-1, 1) == 0\n```\n';

describe('verify stage: code', () => {
  it('keeps correct code whose tests pass, saying what ran', async () => {
    const { emits, counts } = await run(child('Write a Python function add(a, b).', PY_OK));
    expect(emits.map((e) => e.topic)).toEqual(['verified']);
    expect(emits[0]?.record.checks.at(-1)).toEqual({
      stage: 'verify',
      reason: 'ok',
      verified: 'python',
      detail: 'python: 2 blocks, tests from the response: ran and passed',
    });
    expect(emits[0]?.record.response).toBe(PY_OK);
    expect(counts).toEqual({ python: { ok: 1 } });
  });

  const rejects: [string, string, RegExp][] = [
    [
      'a syntax error',
      '```python\ndef add(a, b)\n    return a + b\n```',
      /^python: 1 block, tests none \(only run\): SyntaxError: expected ':' \(main\.py line 1\)$/,
    ],
    [
      'a runtime exception',
      '```python\ndef ratio(a, b):\n    return a / b\n\nprint(ratio(1, 0))\n```',
      /ZeroDivisionError: division by zero$/,
    ],
    [
      'a failing test',
      '```python\ndef add(a, b):\n    return a - b\n\nassert add(2, 3) == 5, "add(2, 3) should be 5"\n```',
      /tests from the response: AssertionError: add\(2, 3\) should be 5$/,
    ],
    [
      'a failing JavaScript test',
      '```javascript\nconst assert = require("node:assert");\nfunction add(a, b) { return a - b; }\nassert.strictEqual(add(2, 3), 5);\n```',
      /^javascript: .*AssertionError \[ERR_ASSERTION\]: Expected values to be strictly equal:$/,
    ],
    ['a JavaScript syntax error', '```js\nfunction add(a, b) { return a + b;\n```', /^javascript: .*SyntaxError: Unexpected end of input$/],
  ];
  for (const [what, response, detail] of rejects) {
    it(`rejects ${what} as code-error with the first error line, and sends the parent back`, async () => {
      const { emits, counts } = await run(child('Write the function.', response), { over: { verify: { code: { askTests: false } } } });
      expect(emits.map((e) => e.topic)).toEqual(['rejected', 'pool']);
      const rec = emits[0]?.record;
      expect(rec?.rejection?.reason).toBe('code-error');
      expect(rec?.rejection?.detail).toMatch(detail);
      expect(rec?.checks.at(-1)).toMatchObject({
        stage: 'verify',
        reason: 'code-error',
        verified: response.includes('```py') ? 'python' : 'javascript',
      });
      expect(Object.values(counts).flatMap((c) => Object.keys(c))).toEqual(['code-error']);
    });
  }

  it('rejects an endless loop as code-timeout', async () => {
    const { emits } = await run(child('Loop.', '```python\nimport time\nwhile True:\n    time.sleep(0.1)\n```'), {
      over: { verify: { code: { askTests: false, timeoutMs: 1500 } } },
    });
    expect(emits[0]?.record.rejection).toMatchObject({
      stage: 'verify',
      reason: 'code-timeout',
      detail: 'python: 1 block, tests none (only run): still running after verify.code.timeoutMs = 1500 ms (killed)',
    });
  });

  it('contains a fork bomb, a socket connection and a write outside the scratch folder, and the stage goes on', async () => {
    const target = join(process.cwd(), `VERIFY-ESCAPE-${process.pid}`);
    const bomb = await run(
      child('Fork.', '```python\nimport os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n```'),
      { over: { verify: { code: { askTests: false, timeoutMs: 2000 } } } },
    );
    expect(['code-timeout', 'code-error']).toContain(bomb.emits[0]?.record.rejection?.reason);
    const socket = await run(child('Fetch.', '```python\nimport socket\nsocket.create_connection(("1.1.1.1", 80), timeout=3)\n```'), {
      over: { verify: { code: { askTests: false } } },
    });
    expect(socket.emits[0]?.record.rejection?.detail).toMatch(/OSError: \[Errno 101\] Network is unreachable$/);
    // A folder every user may write to on the host (/var/tmp, 1777): inside the sandbox only the read-only root stops it.
    // The repository's folder too, wherever the clone lives (under /tmp, the sandbox's own /tmp hides it: no such folder).
    const open = `VERIFY-ESCAPE-${process.pid}`;
    const writeTo = (path: string) =>
      run(child('Write.', `\`\`\`python\nopen(${JSON.stringify(path)}, "w").write("x")\n\`\`\``), {
        over: { verify: { code: { askTests: false } } },
      });
    const shared = await writeTo(join('/var/tmp', open));
    expect(shared.emits[0]?.record.rejection?.detail).toMatch(/OSError: \[Errno 30\] Read-only file system/);
    expect(existsSync(join('/var/tmp', open))).toBe(false);
    const write = await writeTo(target);
    expect(write.emits[0]?.record.rejection?.reason).toBe('code-error');
    expect(write.emits[0]?.record.rejection?.detail).toMatch(
      /OSError: \[Errno 30\] Read-only file system|FileNotFoundError: \[Errno 2\] No such file or directory/,
    );
    expect(existsSync(target)).toBe(false);
    const after = await run(child('Write a Python function add(a, b).', PY_OK));
    expect(after.emits.map((e) => e.topic)).toEqual(['verified']);
  });

  it('asks for tests in a second call when the answer has none, and runs them', async () => {
    const { llm, asked } = responder(
      () => 'Tests:\n```python\nfrom solution import add\nassert add(2, 2) == 4\nassert add(0, 5) == 6\n```',
    );
    const { emits } = await run(child('Write a Python function add(a, b).', '```python\ndef add(a, b):\n    return a + b\n```'), { llm });
    expect(asked).toHaveLength(1);
    expect(asked[0]?.options.recordId).toBe('s-1.r1~tests-python');
    expect(asked[0]?.messages[0]?.content).toMatch(
      /^Task:\nWrite a Python function add\(a, b\)\.\n\nSolution:\n```python\ndef add\(a, b\):/,
    );
    expect(emits[0]?.record.rejection).toMatchObject({
      reason: 'code-error',
      detail: 'python: 1 block, tests from the second call: AssertionError',
    });
    // the second call's tokens count on the record; its id stays off `calls` (the record does not hold its text)
    expect(emits[0]?.record.usage).toEqual({ promptTokens: 15, completionTokens: 27, calls: 3 });
    expect(emits[0]?.record.calls).toEqual(['e-1', 'r-1']);
  });

  it('does not judge a program that needs a package the sandbox lacks, or reads its input', async () => {
    const { emits, counts } = await run(child('Plot.', '```python\nimport numpy as np\nprint(np.arange(3))\n```'), {
      over: { verify: { code: { askTests: false } } },
    });
    expect(emits.map((e) => e.topic)).toEqual(['verified']);
    expect(emits[0]?.record.checks.at(-1)).toMatchObject({
      reason: 'ok',
      verified: 'none',
      detail: 'python: 1 block, tests none (only run): needs the module "numpy", which the sandbox does not have: not judged',
    });
    expect(counts).toEqual({ none: { ok: 1 } });
    const reads = await run(child('Read a name.', '```python\nname = input("Name: ")\nprint("Hello, " + name)\n```'), {
      over: { verify: { code: { askTests: false } } },
    });
    expect(reads.emits[0]?.record.checks.at(-1)).toMatchObject({
      reason: 'ok',
      verified: 'none',
      detail: 'python: 1 block, tests none (only run): reads standard input, which the sandbox does not give: not judged',
    });
  });

  it('keeps a program that ran without error but has no tests, and does not count it as verified', async () => {
    const { emits, counts } = await run(child('Add two numbers.', '```python\ndef add(a, b):\n    return a - b\n```'), {
      over: { verify: { code: { askTests: false } } },
    });
    expect(emits.map((e) => e.topic)).toEqual(['verified']);
    expect(emits[0]?.record.checks.at(-1)).toMatchObject({
      reason: 'ok',
      verified: 'none',
      detail: 'python: 1 block, tests none (only run): ran and passed',
    });
    expect(counts).toEqual({ none: { ok: 1 } });
  });

  it('passes other answers untouched, and everything when verify.enabled is false', async () => {
    const prose = child('Describe a sunset.', 'The sky turns orange and pink as the sun sinks below the hills.');
    const { emits } = await run(prose);
    expect(emits).toEqual([
      {
        topic: 'verified',
        record: {
          ...prose,
          checks: [...prose.checks, { stage: 'verify', reason: 'ok', verified: 'none', detail: 'nothing to run or cross-check' }],
        },
      },
    ]);
    const off = await run(child('Fix it.', '```python\nraise SystemExit(1)\n```'), { over: { verify: { enabled: false } } });
    expect(off.emits[0]?.record.checks.at(-1)).toEqual({
      stage: 'verify',
      reason: 'ok',
      verified: 'none',
      detail: 'verify.enabled is false',
    });
  });
});

describe('verify stage: math', () => {
  const problem = 'A shop sells pencils at 3 for $2. How much do 12 pencils cost?';
  const say = (n: string) => `Twelve pencils are four groups of three, so 4 x $2. The answer is ${n}.`;

  it('samples k more answers at the configured temperature, each under its own cache key and seed, and keeps a majority', async () => {
    const { llm, asked } = responder((_m, _o, n) => say(n === 2 ? '$9' : '$8'));
    const { emits, counts } = await run(child(problem, say('$8')), { llm });
    expect(asked.map((a) => a.options)).toEqual(
      [1, 2, 3].map((i) => ({ recordId: `s-1.r1~math-${i}`, temperature: 0.7, seed: sampleSeed(`s-1.r1~math-${i}`) })),
    );
    expect(new Set(asked.map((a) => a.options?.seed)).size).toBe(3);
    expect(asked[0]?.messages).toEqual([{ role: 'user', content: problem }]);
    expect(emits.map((e) => e.topic)).toEqual(['verified']);
    expect(emits[0]?.record.checks.at(-1)).toMatchObject({ stage: 'verify', reason: 'ok', verified: 'math' });
    expect(emits[0]?.record.checks.at(-1)?.detail).toMatch(/^math: 3 samples at temperature 0\.7: 3\/4 agree on 8$/);
    expect(emits[0]?.record.usage.calls).toBe(5);
    expect(counts).toEqual({ math: { ok: 1 } });
  });

  it('rejects no-consensus when the samples disagree with the response', async () => {
    const { llm } = responder((_m, _o, n) => say(`$${n + 10}`));
    const { emits } = await run(child(problem, say('$8')), { llm, over: { verify: { math: { samples: 5, temperature: 1 } } } });
    expect(emits.map((e) => e.topic)).toEqual(['rejected', 'pool']);
    expect(emits[0]?.record.rejection?.reason).toBe('no-consensus');
    expect(emits[0]?.record.rejection?.detail).toMatch(/^math: 5 samples at temperature 1: 1\/6 agree on the response's 8/);
    expect(emits[0]?.record.checks.at(-1)).toMatchObject({ reason: 'no-consensus', verified: 'math' });
  });

  it('uses an injected judge and detector (the stage seam), and rejects no-answer', async () => {
    const judged: [string, readonly string[]][] = [];
    const judgeMath = (response: string, samples: readonly string[]): MathVerdict => {
      judged.push([response, samples]);
      return { ok: false, reason: 'no-answer', votes: {}, samples: samples.length + 1, detail: 'no final answer in the response' };
    };
    const { llm } = responder(() => 'sample');
    const { emits, counts } = await run(child('Anything at all.', 'Some words.'), { llm, stage: { judgeMath, looksLikeMath: () => true } });
    expect(judged).toEqual([['Some words.', ['sample', 'sample', 'sample']]]);
    expect(emits[0]?.record.rejection).toMatchObject({
      reason: 'no-answer',
      detail: 'math: 3 samples at temperature 0.7: no final answer in the response',
    });
    expect(counts).toEqual({ math: { 'no-answer': 1 } });
  });

  it('rejects llm-error when a sample cannot be had', async () => {
    const llm: LlmCaller = {
      complete: async () => {
        throw new Error('LLM responder call failed after 6 attempts: 500');
      },
    };
    const { emits } = await run(child(problem, say('$8')), { llm });
    expect(emits[0]?.record.rejection).toMatchObject({
      stage: 'verify',
      reason: 'llm-error',
      detail: 'LLM responder call failed after 6 attempts: 500',
    });
  });

  it('rethrows a sample call a stop cancelled: no reject, not counted (runStage leaves the record for a resume)', async () => {
    const stopped = new EvolflowError('cancelled', 'LLM responder call for record s-1.r1~math-1 was cancelled by a stop (SIGINT)');
    const llm: LlmCaller = {
      complete: async () => {
        throw stopped;
      },
    };
    await expect(run(child(problem, say('$8')), { llm })).rejects.toBe(stopped);
  });

  it('with verify.math.enabled false, math passes unchecked', async () => {
    const { emits } = await run(child(problem, say('$8')), { over: { verify: { math: { enabled: false } } } });
    expect(emits[0]?.record.checks.at(-1)).toMatchObject({ reason: 'ok', verified: 'none' });
  });
});

describe('verify stage: startup', () => {
  it('with verify.code.enabled true, fails at startup naming bwrap when bubblewrap is missing, and runs nothing', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(run(child('x', 'y'), { over: { verify: { code: { enabled: true } } } })).rejects.toThrow(
        /"bwrap" is not on PATH.*apt-get install bubblewrap/,
      );
    } finally {
      process.env.PATH = path;
    }
  });

  it('with verify.code.enabled auto (the default), starts without bubblewrap, says so once, and keeps code unchecked', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const warnings: string[] = [];
      const config = mergeDeep(DEFAULT_CONFIG, FAST) as Config;
      expect(config.verify.code.enabled).toBe('auto');
      const stage = await createVerifyStage({
        config,
        logger: {
          ...logger,
          warn: (m: string) => {
            warnings.push(m);
          },
        },
        llm: noLlm,
        cwd: process.cwd(),
        outDir: '/tmp',
      });
      const bad = await stage.handle(child('Write it.', '```python\nraise SystemExit(1)\n```'), undefined, 'responded');
      const prose = await stage.handle(child('Describe a sunset.', 'The sky turns orange.'), undefined, 'responded');
      expect(bad.map((e) => [e.topic, e.record.checks.at(-1)])).toEqual([
        [
          'verified',
          {
            stage: 'verify',
            reason: 'ok',
            verified: 'none',
            detail: 'code: not run (no sandbox here: verify.code.enabled is auto and bubblewrap is missing or does not work)',
          },
        ],
      ]);
      expect(prose[0]?.record.checks.at(-1)).toMatchObject({ verified: 'none', detail: 'nothing to run or cross-check' });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /^verify: code answers will NOT be run, and are kept unchecked: verify: the code sandbox needs bubblewrap \("bwrap" is not on PATH\)/,
      );
      expect(stage.counts()).toEqual({ none: { ok: 2 } });
    } finally {
      process.env.PATH = path;
    }
  });

  it('starts without bubblewrap when code checks are off', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const { emits } = await run(child('x', '```python\nprint(1)\n```'), { over: { verify: { code: { enabled: false } } } });
      expect(emits.map((e) => e.topic)).toEqual(['verified']);
    } finally {
      process.env.PATH = path;
    }
  });
});
