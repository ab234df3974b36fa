// What the verify checks catch: a few hundred simulator coding and math seeds answered by the simulator
// with broken answers injected (labelled), each answer verified as the verify stage does (the verifier of
// @evolflow/verify: code run with its tests in the bubblewrap sandbox, math cross-checked by k samples
// from the same endpoint). Prints, per kind, the recall of broken answers and the false-reject rate of
// correct ones, and the sandbox's cost per verified code answer; then scores what the real model
// (SmolLM2-135M-Instruct via @evolflow/local-llm) answers to 10 short math and code prompts.
//
//   npx tsx bench/verify-recall.ts                    400 seeds (200 code, 200 math), answer fault rate 0.3, and the real model
//   npx tsx bench/verify-recall.ts --skip-real        without the real model
//   npx tsx bench/verify-recall.ts --code 40 --math 40 --rate 0.5
//   npx tsx bench/verify-recall.ts --code 0 --samples 4 --skip-real --name verify-recall-math-samples4
//                                                    math alone with 4 samples (5 voters), to bench/results/<name>.json
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG, mergeDeep, seededRandom, type Config } from '@evolflow/core';
import { createLlmClient, type LlmClient } from '@evolflow/llm';
import {
  ANSWER_FAULTS,
  CODE_BREAKS,
  codeAnswer,
  codingSeeds,
  faultReason,
  mathSeeds,
  mathSolution,
  startSimulator,
  type FaultRecord,
} from '@evolflow/simulator';
import {
  checkCode,
  codeBlocks,
  createVerifier,
  extractFinalAnswer,
  normaliseAnswer,
  type Verification,
  type Verifier,
} from '@evolflow/verify';
import { startLocalLlm } from '@evolflow/local-llm';
import { realModelPath } from '../test/helpers/real-model.ts';
import { writeResults } from './support.ts';

const { values } = parseArgs({
  options: {
    code: { type: 'string', default: '200' },
    math: { type: 'string', default: '200' },
    rate: { type: 'string', default: '0.3' },
    seed: { type: 'string', default: '7' },
    samples: { type: 'string' },
    name: { type: 'string', default: 'verify-recall' },
    'skip-real': { type: 'boolean', default: false },
  },
});
const CODE_N = Number(values.code);
const MATH_N = Number(values.math);
const RATE = Number(values.rate);
const SEED = Number(values.seed);

const verifyConfig: Config['verify'] = structuredClone(DEFAULT_CONFIG.verify);
if (values.samples !== undefined) verifyConfig.math.samples = Number(values.samples);

function llmFor(url: string, responder: Partial<Config['llm']['roles']['responder']> = {}): LlmClient {
  const config: Config['llm'] = mergeDeep(structuredClone(DEFAULT_CONFIG.llm), {
    concurrency: 8,
    cache: { enabled: false },
    timeoutMs: 600_000,
    roles: { responder },
  });
  return createLlmClient({ config, baseUrl: url });
}

/** Run `fn` over `items`, at most `limit` at once, in order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
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

interface Outcome {
  kind: 'code' | 'math';
  fault: string | undefined;
  expected: string;
  verdict: Verification;
}

// ---------------------------------------------------------------- simulator seeds

const sim = await startSimulator({ seed: SEED, answerFaultRate: RATE });
const llm = llmFor(sim.url);
const verifier: Verifier = await createVerifier({ config: verifyConfig, llm });
const r = seededRandom(SEED, 'verify-recall');
const prompts = [
  ...codingSeeds(CODE_N, r).map((p) => ({ kind: 'code' as const, p })),
  ...mathSeeds(MATH_N, r).map((p) => ({ kind: 'math' as const, p })),
];
const started = performance.now();
const outcomes = await mapLimit(prompts, 4, async ({ kind, p }, i): Promise<Outcome> => {
  const id = `bench-${i}`;
  const answer = await llm.complete('responder', [{ role: 'user', content: p }], { recordId: id });
  const fault: FaultRecord | undefined = sim.faults().find((f) => f.requestId === answer.id);
  const verdict = await verifier.verify({ id, instruction: p, response: answer.text });
  return { kind, fault: fault?.kind, expected: fault ? faultReason(fault) : 'ok', verdict };
});
const seconds = (performance.now() - started) / 1000;
await llm.close();
await sim.close();

const rate = (n: number, d: number) => (d === 0 ? null : Number((n / d).toFixed(4)));
function score(list: readonly Outcome[]) {
  const broken = list.filter((o) => o.fault !== undefined);
  const correct = list.filter((o) => o.fault === undefined);
  const caught = broken.filter((o) => o.verdict.reason !== 'ok');
  const withExpected = broken.filter((o) => o.verdict.reason === o.expected);
  const falseRejects = correct.filter((o) => o.verdict.reason !== 'ok');
  return {
    answers: list.length,
    broken: broken.length,
    caught: caught.length,
    caughtWithExpectedReason: withExpected.length,
    recall: rate(caught.length, broken.length),
    correct: correct.length,
    falseRejects: falseRejects.length,
    falseRejectRate: rate(falseRejects.length, correct.length),
    falseRejectReasons: Object.fromEntries(
      [...new Set(falseRejects.map((o) => o.verdict.reason))].map((k) => [k, falseRejects.filter((o) => o.verdict.reason === k).length]),
    ),
    verified: Object.fromEntries(
      [...new Set(list.map((o) => o.verdict.verified))].map((k) => [k, list.filter((o) => o.verdict.verified === k).length]),
    ),
  };
}
const byFault = Object.fromEntries(
  ANSWER_FAULTS.map((k) => {
    const of = outcomes.filter((o) => o.fault === k);
    return [
      k,
      {
        injected: of.length,
        caught: of.filter((o) => o.verdict.reason !== 'ok').length,
        reasons: Object.fromEntries(
          [...new Set(of.map((o) => o.verdict.reason))].map((x) => [x, of.filter((o) => o.verdict.reason === x).length]),
        ),
      },
    ];
  }),
);
const codeRuns = outcomes.flatMap((o) => o.verdict.code ?? []);
const mean = (xs: number[]) => (xs.length === 0 ? null : Math.round(xs.reduce((a, b) => a + b, 0) / xs.length));
const cleanRuns = codeRuns.filter((c) => c.reason !== 'code-timeout');
const sandboxCost = {
  runs: codeRuns.length,
  meanWallMs: mean(cleanRuns.map((c) => c.wallMs)),
  meanCpuMs: mean(cleanRuns.map((c) => c.cpuMs)),
  timeoutRuns: codeRuns.length - cleanRuns.length,
  meanTimeoutWallMs: mean(codeRuns.filter((c) => c.reason === 'code-timeout').map((c) => c.wallMs)),
  note: 'per verified code answer, in the bubblewrap sandbox; timeouts excluded from the means (they cost verify.code.timeoutMs or cpuSeconds)',
};

const simulated = {
  seeds: { code: CODE_N, math: MATH_N },
  answerFaultRate: RATE,
  mathSamples: verifyConfig.math.samples,
  seconds: Number(seconds.toFixed(1)),
  code: score(outcomes.filter((o) => o.kind === 'code')),
  math: score(outcomes.filter((o) => o.kind === 'math')),
  byFault,
  sandboxCost,
};
process.stderr.write(
  `simulated: code recall ${simulated.code.recall} (false rejects ${simulated.code.falseRejectRate}), math recall ${simulated.math.recall} (false rejects ${simulated.math.falseRejectRate}) in ${simulated.seconds} s\n`,
);

// ---------------------------------------------------------------- the real model

async function realModel() {
  const server = await startLocalLlm({ modelPath: realModelPath(), threads: 1 });
  const real = llmFor(server.url, { maxTokens: 320, temperature: 0.2 });
  try {
    const realVerifier = await createVerifier({ config: verifyConfig, llm: real });
    const rr = seededRandom(SEED, 'verify-recall-real');
    const math = mathSeeds(7, rr).slice(0, 5);
    const code = codingSeeds(5, rr);
    const rows: {
      kind: 'math' | 'code';
      prompt: string;
      verdict: string;
      verified: string;
      detail: string;
      right: boolean | undefined;
      answer: string;
    }[] = [];
    for (const [i, p] of [...math, ...code].entries()) {
      const id = `real-${i}`;
      const answer = await real.complete('responder', [{ role: 'user', content: p }], { recordId: id });
      const verdict = await realVerifier.verify({ id, instruction: p, response: answer.text });
      let right: boolean | undefined;
      if (i < math.length) {
        const raw = extractFinalAnswer(answer.text);
        right = raw !== undefined && normaliseAnswer(raw) === normaliseAnswer(String(mathSolution(p)));
      } else if (realVerifier.sandbox) {
        // The model's code against the simulator's own tests of the task: is it right, whatever tests it wrote?
        const blocks = codeBlocks(answer.text).filter((b) => b.language === 'python');
        if (blocks.length === 0) right = false;
        else {
          const own = codeAnswer(p) ?? '';
          const tests = /# Tests\n([\s\S]*?)\nprint\(/.exec(own)?.[1] ?? '';
          const [v] = await checkCode([{ language: 'python', text: `${blocks.map((b) => b.text).join('\n\n')}\n\n${tests}`, line: 1 }], {
            sandbox: realVerifier.sandbox,
            limits: verifyConfig.code,
          });
          right = v?.reason === 'ok';
        }
      }
      rows.push({
        kind: i < math.length ? 'math' : 'code',
        prompt: p,
        verdict: verdict.reason,
        verified: verdict.verified,
        detail: verdict.detail.slice(0, 200),
        right,
        answer: answer.text.slice(0, 400),
      });
      process.stderr.write(`real ${i + 1}/10 ${rows.at(-1)?.kind}: ${verdict.reason} (right: ${String(right)})\n`);
    }
    const tally = (kind: string) => {
      const of = rows.filter((x) => x.kind === kind);
      return {
        prompts: of.length,
        right: of.filter((x) => x.right).length,
        kept: of.filter((x) => x.verdict === 'ok').length,
        keptButWrong: of.filter((x) => x.verdict === 'ok' && !x.right).length,
        rejectedButRight: of.filter((x) => x.verdict !== 'ok' && x.right).length,
        reasons: Object.fromEntries([...new Set(of.map((x) => x.verdict))].map((k) => [k, of.filter((x) => x.verdict === k).length])),
      };
    };
    return {
      model: 'SmolLM2-135M-Instruct (Q4_1 GGUF, node-llama-cpp, 1 thread)',
      responder: { maxTokens: 320, temperature: 0.2 },
      math: tally('math'),
      code: tally('code'),
      rows,
    };
  } finally {
    await real.close();
    await server.close();
  }
}

const realFigures = values['skip-real'] ? undefined : await realModel();
writeResults(values.name, {
  command: `npx tsx bench/verify-recall.ts${process.argv.slice(2).length > 0 ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
  codeBreakKinds: CODE_BREAKS,
  simulated,
  ...(realFigures ? { realModel: realFigures } : {}),
});
