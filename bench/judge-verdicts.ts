// How often the real small model (SmolLM2-135M-Instruct, one thread) gives the equality judge a
// verdict at all: the paper-style zero-shot prompt (evolflow's before issue 11) against the current
// few-shot prompt and its second ask, on real pairs (parent, evolution) taken from the recorded
// exchanges in packages/local-llm/fixtures. Reads answers with the strict `parseVerdict` and, for the
// old prompt, also with the old reader (any "equal" without "not equal" = Equal, else kept).
// Prints the figures and every answer; writes bench/results/judge-verdicts.json.
//   npx tsx bench/judge-verdicts.ts [--pairs 24] [--threads 1]
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { ChatMessage } from '@evolflow/core';
import { startLocalLlm } from '@evolflow/local-llm';
import { equalityJudgeMessages, equalityJudgeRetryMessages, parseVerdict, type JudgeVerdict } from '@evolflow/judge';
import { ROOT, writeResults } from './support.ts';
import { realModelPath } from '../test/helpers/real-model.ts';

const { values } = parseArgs({ options: { pairs: { type: 'string' }, threads: { type: 'string' } } });
const maxPairs = Number(values.pairs ?? 24);

/** The judge prompt evolflow sent before issue 11 (the paper's, zero-shot, one user turn). */
const paperPrompt = (first: string, second: string): ChatMessage[] => [
  {
    role: 'user',
    content:
      'Here are two instructions for an AI assistant. Decide whether they are equal, that is:\n1. They have the same constraints and requirements.\n' +
      `2. They have the same depth and breadth of inquiry.\nThe First Prompt: ${first}\nThe Second Prompt: ${second}\n` +
      'Your judgement (answer with exactly Equal or Not Equal, no explanation):',
  },
];
/** The reader evolflow used before issue 11. */
const oldReader = (answer: string): 'equal' | 'kept' => {
  const a = answer.trim().toLowerCase();
  return !/\bnot\s+equal\b/.test(a) && /\bequal\b/.test(a) ? 'equal' : 'kept';
};

interface Exchange {
  request: { messages: { role: string; content: string }[] };
  answer: { text: string };
}

/** (parent, evolution) pairs: those the recorded judge was asked about, then recorded evolver answers. */
function realPairs(): [string, string][] {
  const files = ['smollm2-run.jsonl', 'smollm2-corpus.jsonl']
    .map((f) => resolve(ROOT, 'packages/local-llm/fixtures', f))
    .filter((f) => existsSync(f));
  const exchanges = files.flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as Exchange),
  );
  const pairs = new Map<string, [string, string]>();
  const add = (a: string, b: string) => {
    if (a && b && a !== b) pairs.set(`${a}\u0000${b}`, [a, b]);
  };
  for (const x of exchanges) {
    const text = x.request.messages.at(-1)?.content ?? '';
    const judged = /The First Prompt: ([\s\S]*?)\nThe Second Prompt: ([\s\S]*?)\nYour judge?ment/.exec(text);
    if (judged) add((judged[1] as string).trim(), (judged[2] as string).trim());
  }
  for (const x of exchanges) {
    const text = x.request.messages.at(-1)?.content ?? '';
    const given = /#The Given Prompt#:\n([\s\S]*?)\n\n#Rewritten Prompt#:/.exec(text);
    const rewrite = x.answer.text.split(/#The Given Prompt#|#Given Prompt#|\n#Rewritten Prompt#|\n#Created Prompt#/)[0]?.trim() ?? '';
    if (given && rewrite.length > 10) add((given[1] as string).trim(), rewrite);
  }
  return [...pairs.values()].slice(0, maxPairs);
}

const pairs = realPairs();
if (pairs.length === 0)
  throw new Error('no recorded exchanges in packages/local-llm/fixtures: record them first (npx tsx bench/real-model.ts --record)');
const server = await startLocalLlm({ modelPath: realModelPath(), threads: Number(values.threads ?? 1) });
const ask = async (messages: ChatMessage[]): Promise<string> => {
  const res = await fetch(`${server.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'smollm2', messages, temperature: 0, max_tokens: 16 }),
  });
  const body = (await res.json()) as { choices: { message: { content: string } }[] };
  return body.choices[0]?.message.content ?? '';
};

const rows: {
  first: string;
  second: string;
  paper: string;
  paperVerdict: JudgeVerdict;
  oldReader: string;
  fewShot: string;
  fewShotVerdict: JudgeVerdict;
  retry?: string;
  retryVerdict?: JudgeVerdict;
}[] = [];
try {
  for (const [first, second] of pairs) {
    const paper = await ask(paperPrompt(first, second));
    const fewShot = await ask(equalityJudgeMessages(first, second));
    const row: (typeof rows)[number] = {
      first,
      second,
      paper,
      paperVerdict: parseVerdict(paper),
      oldReader: oldReader(paper),
      fewShot,
      fewShotVerdict: parseVerdict(fewShot),
    };
    if (row.fewShotVerdict === 'none') {
      row.retry = await ask(equalityJudgeRetryMessages(first, second));
      row.retryVerdict = parseVerdict(row.retry);
    }
    rows.push(row);
    console.log(
      `${JSON.stringify(paper)} -> ${row.paperVerdict} (old reader: ${row.oldReader}) | ${JSON.stringify(fewShot)} -> ${row.fewShotVerdict}${row.retry === undefined ? '' : ` | again ${JSON.stringify(row.retry)} -> ${row.retryVerdict}`}`,
    );
  }
} finally {
  await server.close();
}

const tally = (list: (JudgeVerdict | undefined)[]) => ({
  equal: list.filter((v) => v === 'equal').length,
  'not-equal': list.filter((v) => v === 'not-equal').length,
  none: list.filter((v) => v === 'none').length,
});
const final = rows.map((r) => r.retryVerdict ?? r.fewShotVerdict);
const figures = {
  pairs: rows.length,
  model: 'SmolLM2-135M-Instruct Q4_1 (node-llama-cpp, temperature 0, max_tokens 16)',
  paperPrompt: { ...tally(rows.map((r) => r.paperVerdict)), oldReaderKept: rows.filter((r) => r.oldReader === 'kept').length },
  fewShotPrompt: tally(rows.map((r) => r.fewShotVerdict)),
  afterSecondAsk: tally(final),
};
console.log(`\n${rows.length} real (parent, evolution) pairs`);
console.log(
  `paper-style prompt: verdicts ${JSON.stringify(figures.paperPrompt)} (the old reader kept ${figures.paperPrompt.oldReaderKept} as "not Equal")`,
);
console.log(
  `few-shot prompt:    verdicts ${JSON.stringify(figures.fewShotPrompt)}; after the second ask ${JSON.stringify(figures.afterSecondAsk)}`,
);
writeResults('judge-verdicts', { ...figures, rows });
