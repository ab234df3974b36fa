// The offline difficulty estimator against difficulty labels it was never fitted on, with the
// length-in-characters baseline beside it, per labelled set and per domain.
//
//   npx tsx bench/difficulty.ts          measure the shipped model (packages/mixer/src/difficulty-model.ts)
//   npx tsx bench/difficulty.ts --fit    refit it on the fitting sets and rewrite that file
//   add --embeddings to also try all-MiniLM-L6-v2 sentence embeddings (@evolflow/dedup, from
//   .evolflow/models) in place of the features: ridge on per-set standardised labels, leave one set out
//
// Labelled sets, fetched once into .evolflow/difficulty-data by the registries' own clients:
// - gcompris-qt-data 3.1-2 (Debian, GPL-3.0-or-later): the GCompris activities, each with a
//   difficulty of 1-6 set by its authors, across maths, reading, science, computer use, games and
//   discovery; the text is the activity's description and goal. Fitting set.
// - inspect-evals 0.28.0 (PyPI, MIT): CyberSecEval 4's 609 malware-analysis questions with their
//   published difficulty (easy, medium, hard). Fitting set.
// - interview-questions 1.3.2 (npm, ISC): 550 JavaScript / web interview questions, each labelled
//   basic, intermediate or advanced by its author. Never fitted on: the test set.
// - packages/mixer/src/fixtures/difficulty/sample.jsonl: 60 of those interview questions (20 per
//   level), the labelled sample the unit test orders.
// The L2 penalty is chosen across the two fitting sets only (fit on one, rank the other), so the
// test set plays no part in any choice.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import {
  estimateDifficulty,
  featureRow,
  fitDifficultyModel,
  learnedDifficulty,
  ruleDifficulty,
  scoreRow,
  spearman,
  DIFFICULTY_MODEL_PROVENANCE,
  DIFFICULTY_SIGNS,
  type DifficultyModel,
  type LabelledInstruction,
} from '@evolflow/mixer';
import { createEmbedder, pullModel } from '@evolflow/dedup';
import { ROOT, writeResults } from './support.ts';

const DATA = join(ROOT, '.evolflow/difficulty-data');
const IQ_VERSION = '1.3.2';
const GC_VERSION = '3.1-2';

function interviewQuestions(): LabelledInstruction[] {
  const dir = join(DATA, `interview-questions-${IQ_VERSION}`);
  if (!existsSync(join(dir, 'package/question.json'))) {
    mkdirSync(dir, { recursive: true });
    execFileSync('npm', ['pack', `interview-questions@${IQ_VERSION}`, '--pack-destination', dir, '--silent'], { stdio: 'inherit' });
    execFileSync('tar', ['xzf', join(dir, `interview-questions-${IQ_VERSION}.tgz`), '-C', dir]);
  }
  const level: Record<string, number> = { basic: 1, intermediate: 2, advanced: 3 };
  const items = JSON.parse(readFileSync(join(dir, 'package/question.json'), 'utf8')) as { title: string; level: string }[];
  return items.map((q, i) => {
    const label = level[q.level];
    if (label === undefined) throw new Error(`interview-questions question.json item ${i}: unknown level ${JSON.stringify(q.level)}`);
    return { text: q.title.trim().replace(/\s*\?*$/, '?'), label, domain: 'computer science', set: 'interview-questions' };
  });
}

const IE_VERSION = '0.28.0';

function cyberSecEval(): LabelledInstruction[] {
  const dir = join(DATA, `inspect-evals-${IE_VERSION}`);
  const file = join(dir, 'inspect_evals/cyberseceval_4/malware_analysis/questions.json');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true });
    execFileSync('pip', ['download', '--no-deps', '--quiet', '-d', dir, `inspect-evals==${IE_VERSION}`], { stdio: 'inherit' });
    const wheel = readdirSync(dir).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error(`inspect-evals ${IE_VERSION}: pip download left no wheel in ${dir}`);
    execFileSync('unzip', ['-q', '-o', join(dir, wheel), 'inspect_evals/cyberseceval_4/malware_analysis/questions.json', '-d', dir]);
  }
  const level: Record<string, number> = { easy: 1, medium: 2, hard: 3 };
  const items = JSON.parse(readFileSync(file, 'utf8')) as { question: string; difficulty: string }[];
  return items.map((q, i) => {
    const label = level[q.difficulty];
    if (label === undefined) throw new Error(`${file} item ${i}: unknown difficulty ${JSON.stringify(q.difficulty)}`);
    return { text: q.question, label, domain: 'security', set: 'cyberseceval' };
  });
}

/** The text of `ActivityInfo.qml` in one GCompris resource file (zlib-compressed inside the rcc). */
function activityInfo(rcc: Buffer): string | undefined {
  const plain = rcc.toString('latin1');
  if (plain.includes('difficulty:') && plain.includes('ActivityInfo {')) return rcc.toString('utf8');
  for (let i = 0; i + 2 < rcc.length; i++) {
    if (rcc[i] !== 0x78 || ![0x9c, 0xda, 0x01, 0x5e].includes(rcc[i + 1] as number)) continue;
    try {
      const text = inflateSync(rcc.subarray(i)).toString('utf8');
      if (text.includes('difficulty:') && text.includes('ActivityInfo')) return text;
    } catch {
      // not a zlib stream at this offset
    }
  }
  return undefined;
}

const SECTION_DOMAIN: [RegExp, string][] = [
  [/\bmath/, 'math'],
  [/\breading|letters|vocabulary|words\b/, 'reading and language'],
  [/\bcomputer|keyboard|mouse/, 'computer use'],
  [/\bscience|experiment|geography|history|sound|music|discovery|arts/, 'science and discovery'],
  [/\bpuzzle|strategy|fun|games?\b|memory/, 'games and puzzles'],
];

function gcompris(): LabelledInstruction[] {
  const dir = join(DATA, `gcompris-qt-data-${GC_VERSION}`);
  const rccDir = join(dir, 'usr/share/gcompris-qt/rcc');
  if (!existsSync(rccDir)) {
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync('apt-get', ['download', `gcompris-qt-data=${GC_VERSION}`], { cwd: dir, stdio: 'inherit' });
    } catch (cause) {
      throw new Error(
        `gcompris-qt-data ${GC_VERSION}: apt-get download failed in ${dir}; run \`apt-get update\` once, then this bench again`,
        { cause },
      );
    }
    const deb = readdirSync(dir).find((f) => f.endsWith('.deb'));
    if (!deb) throw new Error(`gcompris-qt-data ${GC_VERSION}: apt-get download left no .deb in ${dir}`);
    execFileSync('dpkg', ['-x', join(dir, deb), dir]);
  }
  const out: LabelledInstruction[] = [];
  for (const file of readdirSync(rccDir)
    .filter((f) => f.endsWith('.rcc'))
    .sort()) {
    const info = activityInfo(readFileSync(join(rccDir, file)));
    if (!info) continue;
    const field = (key: string) =>
      new RegExp(`\\b${key}\\s*:\\s*(?:qsTr\\()?"((?:[^"\\\\]|\\\\.)*)"`).exec(info)?.[1]?.replace(/\\"/g, '"');
    const difficulty = /\bdifficulty\s*:\s*(\d+)/.exec(info)?.[1];
    const [description, goal, section] = [field('description'), field('goal'), field('section') ?? ''];
    if (difficulty === undefined || !description || Number(difficulty) < 1) continue;
    const domain = SECTION_DOMAIN.find(([re]) => re.test(section))?.[1] ?? 'other';
    out.push({ text: [description, goal].filter(Boolean).join(' '), label: Number(difficulty), domain, set: 'gcompris' });
  }
  return out;
}

function sample(): LabelledInstruction[] {
  const file = join(ROOT, 'packages/mixer/src/fixtures/difficulty/sample.jsonl');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as LabelledInstruction);
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

function measure(items: LabelledInstruction[]): { n: number; estimator: number; learned: number; rules: number; length: number } {
  const labels = items.map((i) => i.label);
  const rho = (f: (text: string) => number) =>
    r3(
      spearman(
        items.map((i) => f(i.text)),
        labels,
      ),
    );
  return {
    n: items.length,
    estimator: rho(estimateDifficulty),
    learned: rho(learnedDifficulty),
    rules: rho(ruleDifficulty),
    length: rho((t) => t.length),
  };
}

function writeModel(model: DifficultyModel, provenance: string): void {
  const file = join(ROOT, 'packages/mixer/src/difficulty-model.ts');
  const list = (xs: readonly number[]) => `[${xs.join(', ')}]`;
  writeFileSync(
    file,
    `// The fitted weights of the offline difficulty estimator. Written by \`npx tsx bench/difficulty.ts --fit\`;
// do not edit by hand (provenance below; figures in bench/results/difficulty.json).
import type { DifficultyModel } from './difficulty-fit.ts';

/** Pairwise logistic ranking over the standardised features of difficulty-features.ts (signs: DIFFICULTY_SIGNS). */
export const DIFFICULTY_MODEL: DifficultyModel = {
  features: ${JSON.stringify(model.features)},
  mean: ${list(model.mean)},
  scale: ${list(model.scale)},
  weights: ${list(model.weights)},
  center: ${model.center},
  spread: ${model.spread},
};

/** Where the weights come from: the labelled sets they were fitted on, their sources, and the penalty. */
export const DIFFICULTY_MODEL_PROVENANCE =
  ${JSON.stringify(provenance)};
`,
  );
  console.log(`wrote ${file}`);
}

const fitSets = { gcompris: gcompris(), cyberseceval: cyberSecEval() };
const testSets: Record<string, LabelledInstruction[]> = { 'interview-questions': interviewQuestions(), 'committed-sample': sample() };
const rank = (model: DifficultyModel, items: readonly LabelledInstruction[]) =>
  r3(
    spearman(
      items.map((i) => scoreRow(model, featureRow(i.text))),
      items.map((i) => i.label),
    ),
  );

if (process.argv.includes('--fit')) {
  // The penalty, chosen across the two fitting sets only.
  const grid = [0.01, 0.1, 1, 10];
  const cross = grid.map((l2) => {
    const a = rank(fitDifficultyModel(fitSets.gcompris, { signs: DIFFICULTY_SIGNS, l2 }), fitSets.cyberseceval);
    const b = rank(fitDifficultyModel(fitSets.cyberseceval, { signs: DIFFICULTY_SIGNS, l2 }), fitSets.gcompris);
    console.log(`l2 ${l2}: fitted on gcompris, on cyberseceval ${a}; fitted on cyberseceval, on gcompris ${b}`);
    return { l2, mean: (a + b) / 2 };
  });
  const best = cross.reduce((x, y) => (y.mean > x.mean ? y : x));
  const model = fitDifficultyModel([...fitSets.gcompris, ...fitSets.cyberseceval], { signs: DIFFICULTY_SIGNS, l2: best.l2 });
  writeModel(
    model,
    `fitted on gcompris-qt-data ${GC_VERSION} (Debian, GPL-3.0-or-later: ${fitSets.gcompris.length} GCompris activities, authors' difficulty 1-6) and inspect-evals ${IE_VERSION} (PyPI, MIT: ${fitSets.cyberseceval.length} CyberSecEval 4 malware-analysis questions, published easy/medium/hard), pairs compared within one set; l2 ${best.l2}, chosen across the two sets; never fitted on interview-questions ${IQ_VERSION}, the test set`,
  );
  console.log('refitted: run again without --fit to measure the new weights (they are imported at start-up)');
  process.exit(0);
}

const results: Record<string, unknown> = { model: DIFFICULTY_MODEL_PROVENANCE };
const show = (name: string, m: ReturnType<typeof measure>, note = '') =>
  console.log(
    `  ${name.padEnd(24)} n ${String(m.n).padStart(4)}  ${[m.estimator, m.length, m.learned, m.rules].map((x) => x.toFixed(3).padStart(6)).join(' | ')}${note}`,
  );
console.log('Spearman with the difficulty labels:        estimator | length (chars) | learned half | rules half (the estimator before)');
for (const [name, items] of Object.entries(testSets)) {
  if (items.length === 0) continue;
  const byDomain: Record<string, ReturnType<typeof measure>> = {};
  for (const domain of [...new Set(items.map((i) => i.domain ?? 'all'))].sort()) {
    const subset = items.filter((i) => (i.domain ?? 'all') === domain);
    if (new Set(subset.map((i) => i.label)).size > 1 && subset.length >= 8 && subset.length < items.length)
      byDomain[domain] = measure(subset);
  }
  const m = measure(items);
  results[name] = { unseen: true, ...m, byDomain };
  show(name, m, '  (never fitted on)');
  for (const [d, x] of Object.entries(byDomain)) show(`  ${d}`, x);
}
for (const [name, items] of Object.entries(fitSets)) {
  const byDomain: Record<string, ReturnType<typeof measure>> = {};
  for (const domain of [...new Set(items.map((i) => i.domain ?? 'all'))].sort()) {
    const subset = items.filter((i) => (i.domain ?? 'all') === domain);
    if (new Set(subset.map((i) => i.label)).size > 1 && subset.length >= 8 && subset.length < items.length)
      byDomain[domain] = measure(subset);
  }
  const m = measure(items);
  results[name] = { unseen: false, note: 'fitting data: not a test', ...m, byDomain };
  show(name, m, '  (fitting data, not a test)');
  for (const [d, x] of Object.entries(byDomain)) show(`  ${d}`, x);
}
// Each set ranked by a model fitted on the other two (same penalty as the shipped model): how far the features transfer.
const l2 = Number(/l2 ([\d.]+)/.exec(DIFFICULTY_MODEL_PROVENANCE)?.[1] ?? '1');
const all: Record<string, LabelledInstruction[]> = {
  ...fitSets,
  'interview-questions': testSets['interview-questions'] as LabelledInstruction[],
};
type Held = { n: number; learned: number; halfAndHalf: number; length: number; rules: number };
const leaveOneSetOut: Record<string, Held & { byDomain: Record<string, Held> }> = {};
console.log(
  `Leave one set out (learned half fitted on the other two sets, l2 ${l2}):  learned | half and half with the rules | length | rules`,
);
for (const held of Object.keys(all)) {
  const train = Object.entries(all)
    .filter(([k]) => k !== held)
    .flatMap(([, v]) => v);
  const model = fitDifficultyModel(train, { signs: DIFFICULTY_SIGNS, l2 });
  const learned = (t: string) => 1 + 9 / (1 + Math.exp((-1.7 * (scoreRow(model, featureRow(t)) - model.center)) / model.spread));
  const figures = (items: LabelledInstruction[]): Held => {
    const labels = items.map((i) => i.label);
    const rho = (f: (text: string) => number) =>
      r3(
        spearman(
          items.map((i) => f(i.text)),
          labels,
        ),
      );
    return {
      n: items.length,
      learned: rho(learned),
      halfAndHalf: rho((t) => (learned(t) + ruleDifficulty(t)) / 2),
      length: rho((t) => t.length),
      rules: rho(ruleDifficulty),
    };
  };
  const items = all[held] as LabelledInstruction[];
  const byDomain: Record<string, Held> = {};
  for (const domain of [...new Set(items.map((i) => i.domain ?? 'all'))].sort()) {
    const subset = items.filter((i) => (i.domain ?? 'all') === domain);
    if (new Set(subset.map((i) => i.label)).size > 1 && subset.length >= 8 && subset.length < items.length)
      byDomain[domain] = figures(subset);
  }
  leaveOneSetOut[held] = { ...figures(items), byDomain };
  const line = (name: string, h: Held) =>
    console.log(
      `  ${name.padEnd(24)} n ${String(h.n).padStart(4)}  ${[h.learned, h.halfAndHalf, h.length, h.rules].map((x) => x.toFixed(3).padStart(6)).join(' | ')}`,
    );
  line(held, leaveOneSetOut[held]);
  for (const [d, h] of Object.entries(byDomain)) line(`  ${d}`, h);
}
results.leaveOneSetOut = leaveOneSetOut;

/** Solve A w = b (A symmetric positive definite: X'X + lambda I) by Gaussian elimination with pivoting. */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const m = A.map((row, i) => [...row, b[i] as number]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs((m[r] as number[])[c] as number) > Math.abs((m[p] as number[])[c] as number)) p = r;
    [m[c], m[p]] = [m[p] as number[], m[c] as number[]];
    const pivot = m[c] as number[];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const row = m[r] as number[];
      const f = (row[c] as number) / (pivot[c] as number);
      for (let k = c; k <= n; k++) row[k] = (row[k] as number) - f * (pivot[k] as number);
    }
  }
  return m.map((row, i) => (row[n] as number) / (row[i] as number));
}

if (process.argv.includes('--embeddings')) {
  // Sentence embeddings instead of features: does the meaning of a text carry difficulty across sets?
  await pullModel({ modelDir: join(ROOT, '.evolflow/models'), model: 'all-MiniLM-L6-v2', variants: ['quantized'] });
  const embedder = await createEmbedder({ modelDir: join(ROOT, '.evolflow/models'), model: 'all-MiniLM-L6-v2' });
  const vectors: Record<string, number[][]> = {};
  for (const [k, items] of Object.entries(all)) vectors[k] = (await embedder.embed(items.map((i) => i.text))).map((v) => [...v]);
  await embedder.close();
  const standardised = (xs: number[]) => {
    const m = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / xs.length) || 1;
    return xs.map((x) => (x - m) / sd);
  };
  const embeddings: Record<string, Record<string, number>> = {};
  for (const lambda of [0.1, 1, 10]) {
    const row: Record<string, number> = {};
    for (const held of Object.keys(all)) {
      const train = Object.keys(all).filter((k) => k !== held);
      const X = train.flatMap((k) => vectors[k] as number[][]);
      const y = train.flatMap((k) => standardised((all[k] as LabelledInstruction[]).map((i) => i.label)));
      const d = (X[0] as number[]).length;
      const A = Array.from({ length: d }, (_, j) => Array.from({ length: d }, (_, k) => (j === k ? lambda : 0)));
      const b = new Array<number>(d).fill(0);
      X.forEach((x, i) => {
        for (let j = 0; j < d; j++) {
          b[j] = (b[j] as number) + (x[j] as number) * (y[i] as number);
          const Aj = A[j] as number[];
          for (let k = 0; k < d; k++) Aj[k] = (Aj[k] as number) + (x[j] as number) * (x[k] as number);
        }
      });
      const w = solve(A, b);
      const pred = (vectors[held] as number[][]).map((x) => x.reduce((s, v, j) => s + v * (w[j] as number), 0));
      row[held] = r3(
        spearman(
          pred,
          (all[held] as LabelledInstruction[]).map((i) => i.label),
        ),
      );
    }
    embeddings[`lambda ${lambda}`] = row;
    console.log(
      `  embeddings (all-MiniLM-L6-v2, ridge, lambda ${lambda}), each set fitted on the other two: ${Object.entries(row)
        .map(([k, v]) => `${k} ${v.toFixed(3)}`)
        .join(', ')}`,
    );
  }
  results.embeddingsLeaveOneSetOut = embeddings;
}
writeResults('difficulty', results);
