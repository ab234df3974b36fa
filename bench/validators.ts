// Format validators: how often they accept what is broken and reject what is valid, per format, on
// a corpus of pieces from real sources, each labelled by an oracle that is the language itself:
//   SQL         Spider gold queries (SQLite), their mutations, real instructions and prose as SQL;
//               oracle: SQLite (python3's sqlite3 module; "no such table" means it parsed)
//   JSON        JSONTestSuite y_/n_, package.json files under node_modules and their mutations;
//               oracle: the suite's y_/n_ label, else JSON.parse
//   JavaScript  .js/.mjs/.cjs files under node_modules and their mutations; oracle: Node (vm.Script
//               with the CommonJS wrapper, or vm.SourceTextModule)
//   Python      the Python standard library (/usr/lib/python3.11) and their mutations; oracle: CPython's compile()
// plus format detection: how often bracketed Python, JavaScript and prose is called JSON, and JSON is.
// Then throughput, one core (targets: JSON >= 5,000/s, SQL and code >= 1,000/s).
// Usage: npx tsx bench/validators.ts [--no-speed] [--baseline DIR]
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Parser } from 'acorn';
import { jsonTestSuiteDir, jsonTestSuiteFiles, readSeedTasks, readVicunaQuestions, spiderGoldPath } from '@evolflow/testdata';
import * as current from '@evolflow/validators';
import { seededRandom, type Validator } from '@evolflow/core';
import { BRACKETED_NOT_JSON, MISSPELT_SQL, PROSE_EN, PROSE_ZH, mutations } from '@evolflow/validators/testing';
import { ROOT, writeResults } from './support.ts';

const PER_SOURCE = 250;
// --baseline DIR: measure another copy of packages/validators/src (an older commit's, placed inside
// the repository so its imports resolve) on the same corpus; results go to validators-baseline.json.
const baselineAt = process.argv.indexOf('--baseline');
const baselineDir = baselineAt >= 0 ? process.argv[baselineAt + 1] : undefined;
const V = (
  baselineDir === undefined ? current : await import(pathToFileURL(join(resolve(baselineDir), 'index.ts')).href)
) as typeof current;
const { checkCode, createFormatChecker, detectFormat, validateJsonBytes } = V;
const checker = await createFormatChecker();
const byName = (name: string): Validator => checker.validators().find((v) => v.name === name) as Validator;

/** One labelled piece: `valid` is the oracle's verdict; `source` groups the figures. */
interface Item {
  text: string;
  valid: boolean;
  source: string;
  /** A JSONTestSuite file, checked as bytes (encoding is part of what it tests). */
  file?: string;
}

// ---- oracles ---------------------------------------------------------------------------------

const PYTHON_ORACLE = String.raw`
import ast, json, sqlite3, sys, warnings
warnings.simplefilter('ignore')
req = json.load(sys.stdin)
db = sqlite3.connect(':memory:')
RESOLVE = ('no such table', 'no such column', 'no such function', 'no such collation', 'no such module')
def sql_ok(q):
    try:
        db.execute(q)
        return True
    except sqlite3.ProgrammingError:  # more than one statement
        return True
    except sqlite3.OperationalError as e:
        return str(e).startswith(RESOLVE)
    except Exception:
        return False
def py_ok(src):
    try:
        compile(src, '<piece>', 'exec', dont_inherit=True)
        return True
    except (SyntaxError, ValueError):
        return False
def brackets(path, limit):
    try:
        src = open(path, encoding='utf-8').read()
        tree = ast.parse(src)
    except Exception:
        return []
    out = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.List, ast.Dict, ast.Set, ast.ListComp, ast.SetComp, ast.DictComp)):
            seg = ast.get_source_segment(src, node)
            if seg and 8 <= len(seg) <= 300 and seg[0] in '[{':
                try:
                    json.loads(seg)
                except Exception:
                    out.append(seg)
        if len(out) >= limit:
            break
    return out
out = {'sql': [sql_ok(q) for q in req['sql']], 'python': [py_ok(s) for s in req['python']], 'brackets': [b for p in req['bracketFiles'] for b in brackets(p, 3)]}
json.dump(out, sys.stdout)
`;

const NODE_ORACLE = String.raw`
import vm from 'node:vm';
let raw = '';
for await (const chunk of process.stdin) raw += chunk;
const texts = JSON.parse(raw);
const ok = texts.map((t) => {
  const src = t.startsWith('#!') ? '//' + t.slice(2) : t;
  try { new vm.Script('(function (exports, require, module, __filename, __dirname) { ' + src + '\n})'); return true; } catch {}
  try { new vm.SourceTextModule(src); return true; } catch { return false; }
});
process.stdout.write(JSON.stringify(ok));
`;

function runOracle(command: string, args: string[], input: unknown): unknown {
  const r = spawnSync(command, args, { input: JSON.stringify(input), encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${command} oracle failed (${r.status}): ${r.stderr.slice(0, 500)}`);
  return JSON.parse(r.stdout);
}

// ---- sources ---------------------------------------------------------------------------------

/** Files under `dir` whose name ends with one of `exts`, between 500 bytes and 20 kB, sorted. */
function filesUnder(dir: string, exts: readonly string[], skip: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    let entries;
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (skip.test(p)) continue;
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && exts.some((x) => e.name.endsWith(x))) {
        const size = statSync(p).size;
        if (size >= 500 && size <= 20_000) out.push(p);
      }
    }
  };
  walk(dir);
  return out.sort();
}

/** Every k-th item so that about `n` remain, spread over the whole (sorted) list. */
function spread<T>(xs: readonly T[], n: number): T[] {
  if (xs.length <= n) return [...xs];
  const step = xs.length / n;
  return Array.from({ length: n }, (_, i) => xs[Math.floor(i * step)] as T);
}

const spider = [
  ...new Set(
    readFileSync(spiderGoldPath, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => l.split('\t')[0] as string),
  ),
];
const seedTexts: string[] = [];
for (const t of readSeedTasks()) {
  seedTexts.push(t.instruction);
  for (const i of t.instances) if (i.input) seedTexts.push(i.input);
}
const realProse = [...seedTexts, ...readVicunaQuestions()].filter(
  (t) => !/^\s*(?:SELECT|WITH|INSERT|UPDATE|DELETE|CREATE)\b[\s\S]*\b(?:FROM|INTO|SET|TABLE)\b/.test(t),
);

const jsFiles = spread(filesUnder(join(ROOT, 'node_modules'), ['.js', '.mjs', '.cjs'], /\/(?:\.cache|\.bin)(?:\/|$)/), PER_SOURCE);
const packageJsons = spread(filesUnder(join(ROOT, 'node_modules'), ['package.json'], /\/(?:\.cache|\.bin)(?:\/|$)/), PER_SOURCE);
const pyFiles = spread(filesUnder('/usr/lib/python3.11', ['.py'], /\/(?:site-packages|dist-packages|__pycache__)(?:\/|$)/), PER_SOURCE);
const pyBracketFiles = spread(filesUnder('/usr/lib/python3.11', ['.py'], /\/(?:site-packages|dist-packages|__pycache__)(?:\/|$)/), 150);

// SQL: Spider, its mutations, prose, misspelt; all labelled by SQLite (prose and misspelt are
// broken by construction; SQLite's own verdict on them is printed beside).
const sqlPieces: { text: string; source: string }[] = [
  ...spider.map((text) => ({ text, source: 'spider gold' })),
  ...spider.flatMap((q, i) => mutations(q, 'sql', i + 1).map((m) => ({ text: m.text, source: `spider ${m.how}` }))),
];
const sqlProse = [
  ...PROSE_EN.map((text) => ({ text, source: 'prose (own, English)' })),
  ...PROSE_ZH.map((text) => ({ text, source: 'prose (own, Chinese)' })),
  ...MISSPELT_SQL.map((text) => ({ text, source: 'misspelt keywords (own)' })),
  ...realProse.map((text) => ({ text, source: 'real instructions (self-instruct, vicuna)' })),
];
const jsTexts = jsFiles.map((f) => readFileSync(f, 'utf8'));
const jsPieces = [
  ...jsTexts.map((text) => ({ text, source: 'node_modules' })),
  ...jsTexts.flatMap((t, i) => mutations(t, 'javascript', i + 1).map((m) => ({ text: m.text, source: `node_modules ${m.how}` }))),
  ...[
    'function (a, b) { return a + b; }',
    'async function () { await x; }',
    'function () {}\nconsole.log(1);',
    'class { constructor() {} }',
  ].map((text) => ({ text, source: 'anonymous declarations (own)' })),
];
const pyTexts = pyFiles.map((f) => readFileSync(f, 'utf8'));
const pyPieces = [
  ...pyTexts.map((text) => ({ text, source: 'python stdlib' })),
  ...pyTexts.flatMap((t, i) => mutations(t, 'python', i + 1).map((m) => ({ text: m.text, source: `python stdlib ${m.how}` }))),
];

process.stdout.write(
  `oracles: SQLite and CPython (${spawnSync('python3', ['--version'], { encoding: 'utf8' }).stdout.trim()}), Node ${process.version}\n`,
);
const py = runOracle('python3', ['-c', PYTHON_ORACLE], {
  sql: [...sqlPieces, ...sqlProse].map((p) => p.text),
  python: pyPieces.map((p) => p.text),
  bracketFiles: pyBracketFiles,
}) as { sql: boolean[]; python: boolean[]; brackets: string[] };
const nodeOk = runOracle(
  process.execPath,
  ['--experimental-vm-modules', '--no-warnings', '--input-type=module', '-e', NODE_ORACLE],
  jsPieces.map((p) => p.text),
) as boolean[];

const sqliteOnProse = sqlProse.filter((_, i) => py.sql[sqlPieces.length + i]);
const sqlItems: Item[] = [
  ...sqlPieces.map((p, i) => ({ ...p, valid: py.sql[i] ?? false })),
  ...sqlProse.map((p) => ({ ...p, valid: false })),
];
const jsItems: Item[] = jsPieces.map((p, i) => ({ ...p, valid: nodeOk[i] ?? false }));
const pyItems: Item[] = pyPieces.map((p, i) => ({ ...p, valid: py.python[i] ?? false }));
const pkgTexts = packageJsons.map((f) => readFileSync(f, 'utf8'));
const jsonParses = (t: string): boolean => {
  try {
    JSON.parse(t);
    return true;
  } catch {
    return false;
  }
};
const suite = jsonTestSuiteFiles().filter((f) => !f.startsWith('i_'));
const jsonItems: Item[] = [
  ...pkgTexts.map((text) => ({ text, source: 'node_modules package.json', valid: jsonParses(text) })),
  ...pkgTexts.flatMap((t, i) =>
    mutations(t, 'json', i + 1).map((m) => ({ text: m.text, source: `package.json ${m.how}`, valid: jsonParses(m.text) })),
  ),
];

// ---- measuring -------------------------------------------------------------------------------

interface Tally {
  valid: number;
  broken: number;
  falseAccepts: number;
  falseRejects: number;
  falseAcceptRate: number;
  falseRejectRate: number;
}

function tally(rows: readonly { valid: boolean; accepted: boolean }[]): Tally {
  const valid = rows.filter((r) => r.valid).length;
  const broken = rows.length - valid;
  const falseAccepts = rows.filter((r) => !r.valid && r.accepted).length;
  const falseRejects = rows.filter((r) => r.valid && !r.accepted).length;
  const rate = (k: number, n: number): number => (n === 0 ? 0 : Math.round((k / n) * 10000) / 10000);
  return {
    valid,
    broken,
    falseAccepts,
    falseRejects,
    falseAcceptRate: rate(falseAccepts, broken),
    falseRejectRate: rate(falseRejects, valid),
  };
}

async function measure(
  format: string,
  items: readonly Item[],
  judge: (item: Item) => Promise<boolean>,
): Promise<{ all: Tally; bySource: Record<string, Tally>; examples: { falseAccepts: string[]; falseRejects: string[] } }> {
  const rows: { valid: boolean; accepted: boolean; source: string; text: string }[] = [];
  for (const item of items) rows.push({ ...item, accepted: await judge(item) });
  const sources = [...new Set(items.map((i) => i.source))];
  const bySource = Object.fromEntries(sources.map((s) => [s, tally(rows.filter((r) => r.source === s))]));
  const all = tally(rows);
  const short = (t: string): string => (t.length > 100 ? `${t.slice(0, 100).replace(/\n/g, '\\n')}...` : t.replace(/\n/g, '\\n'));
  const examples = {
    falseAccepts: rows
      .filter((r) => !r.valid && r.accepted)
      .slice(0, 5)
      .map((r) => `${r.source}: ${short(r.text)}`),
    falseRejects: rows
      .filter((r) => r.valid && !r.accepted)
      .slice(0, 5)
      .map((r) => `${r.source}: ${short(r.text)}`),
  };
  const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;
  process.stdout.write(
    `\n${format}: ${all.valid} valid, ${all.broken} broken; false accepts ${all.falseAccepts}/${all.broken} (${pct(all.falseAcceptRate)}), false rejects ${all.falseRejects}/${all.valid} (${pct(all.falseRejectRate)})\n`,
  );
  for (const [s, t] of Object.entries(bySource)) {
    process.stdout.write(
      `  ${s.padEnd(44)} valid ${String(t.valid).padStart(5)}  broken ${String(t.broken).padStart(5)}  false accepts ${String(t.falseAccepts).padStart(4)}  false rejects ${String(t.falseRejects).padStart(4)}\n`,
    );
  }
  for (const e of examples.falseAccepts) process.stdout.write(`    false accept: ${e}\n`);
  for (const e of examples.falseRejects) process.stdout.write(`    false reject: ${e}\n`);
  return { all, bySource, examples };
}

const sqlV = byName('sql');
const jsonV = byName('json');
const sqlResult = await measure(
  'sql (oracle: SQLite; prose and misspelt are broken by construction)',
  sqlItems,
  async (i) => (await sqlV.validate(i.text, {})).ok,
);
const misspeltNames = sqlItems.filter((i) => i.source === 'spider misspelt' && i.valid).map((i) => i.text);
process.stdout.write(
  `  of the spider misspelt pieces SQLite parses ${misspeltNames.length}: the typo became a name (SELECT DISTINT x reads DISTINT as a column); rejecting those is intended\n`,
);
process.stdout.write(
  `  SQLite itself parses ${sqliteOnProse.length} of the ${sqlProse.length} prose and misspelt pieces${
    sqliteOnProse.length
      ? `: ${sqliteOnProse
          .slice(0, 5)
          .map((p) => JSON.stringify(p.text.slice(0, 60)))
          .join(', ')}`
      : ''
  }\n`,
);
// The same prose and misspelt pieces inside a fenced sql block, through the validate-stage policy.
const fenced = await measure(
  'sql in ```sql fences (checkInstruction)',
  sqlProse.filter((p) => !p.source.startsWith('real')).map((p) => ({ ...p, valid: false })),
  async (i) => (await checker.checkInstruction(`Fix this query:\n\`\`\`sql\n${i.text}\n\`\`\``)).ok,
);
const jsonResult = await measure(
  'json (oracle: JSONTestSuite label, else JSON.parse)',
  [
    ...suite.map((f) => ({
      text: readFileSync(join(jsonTestSuiteDir, f), 'latin1'),
      file: join(jsonTestSuiteDir, f),
      source: `JSONTestSuite ${f.slice(0, 2)}`,
      valid: f.startsWith('y_'),
    })),
    ...jsonItems,
  ],
  async (i) => (i.file !== undefined ? validateJsonBytes(new Uint8Array(readFileSync(i.file))).ok : (await jsonV.validate(i.text, {})).ok),
);
const jsResult = await measure(
  'javascript (oracle: Node vm.Script CommonJS wrapper or vm.SourceTextModule)',
  jsItems,
  async (i) => (await checkCode(i.text, 'javascript')) === undefined,
);
const pyResult = await measure(
  'python (oracle: CPython 3.11 compile)',
  pyItems,
  async (i) => (await checkCode(i.text, 'python')) === undefined,
);

// ---- detection -------------------------------------------------------------------------------

/** Object and array literals in real JavaScript that are not JSON (acorn finds them). */
function jsBrackets(texts: readonly string[], perFile: number): string[] {
  const out: string[] = [];
  for (const text of texts) {
    let found = 0;
    let ast: unknown;
    try {
      ast = Parser.parse(text, {
        ecmaVersion: 'latest',
        sourceType: /\b(?:import|export)\b/.test(text) ? 'module' : 'script',
        allowReturnOutsideFunction: true,
        allowHashBang: true,
      });
    } catch {
      continue;
    }
    const visit = (node: unknown): void => {
      if (found >= perFile || node === null || typeof node !== 'object') return;
      const n = node as { type?: string; start?: number; end?: number };
      if ((n.type === 'ObjectExpression' || n.type === 'ArrayExpression') && n.start !== undefined && n.end !== undefined) {
        const seg = text.slice(n.start, n.end);
        if (seg.length >= 8 && seg.length <= 300 && !jsonParses(seg)) {
          out.push(seg);
          found++;
        }
      }
      for (const v of Object.values(node)) {
        if (Array.isArray(v)) v.forEach(visit);
        else if (v && typeof v === 'object') visit(v);
      }
    };
    visit(ast);
  }
  return out;
}

const proseBrackets = [
  ...new Set(
    seedTexts.concat(readVicunaQuestions()).flatMap((t) => [...t.matchAll(/\[[^[\]\n]{2,80}\]|\{[^{}\n]{2,80}\}/g)].map((m) => m[0])),
  ),
].filter((s) => !jsonParses(s));
const detectionSets: { name: string; texts: string[]; json: boolean }[] = [
  {
    name: 'JSONTestSuite y_ (is JSON)',
    texts: suite
      .filter((f) => f.startsWith('y_'))
      .map((f) => readFileSync(join(jsonTestSuiteDir, f), 'utf8'))
      .filter((t) => /^\s*[[{]/.test(t)),
    json: true,
  },
  {
    name: 'JSONTestSuite n_ (broken JSON)',
    texts: suite
      .filter((f) => f.startsWith('n_'))
      .map((f) => readFileSync(join(jsonTestSuiteDir, f), 'latin1'))
      .filter((t) => /^\s*[[{]/.test(t)),
    json: true,
  },
  { name: 'package.json mutations (broken JSON)', texts: jsonItems.filter((i) => !i.valid).map((i) => i.text), json: true },
  { name: 'Python literals and comprehensions (stdlib)', texts: py.brackets, json: false },
  { name: 'JavaScript object/array literals (node_modules)', texts: jsBrackets(jsTexts, 3), json: false },
  { name: 'bracketed prose (self-instruct, vicuna)', texts: proseBrackets, json: false },
  { name: 'bracketed Python/JS/prose (own)', texts: BRACKETED_NOT_JSON.map((b) => b.text), json: false },
];
process.stdout.write('\ndetection of untagged bracketed text (detectFormat; and an untagged fence through checkInstruction):\n');
const detection: Record<string, unknown> = {};
for (const set of detectionSets) {
  const called = set.texts.filter((t) => detectFormat(t) === 'json').length;
  let rejectedJson = 0;
  let rejected = 0;
  const rejectedExamples: string[] = [];
  for (const t of set.texts) {
    const r = await checker.checkInstruction(`What does this hold?\n\`\`\`\n${t}\n\`\`\``);
    if (!r.ok && r.reason === 'invalid-json') rejectedJson++;
    if (!r.ok) rejected++;
    if (!r.ok && !set.json && rejectedExamples.length < 4)
      rejectedExamples.push(`${r.reason}: ${r.detail?.slice(0, 140) ?? ''} <- ${t.slice(0, 60).replace(/\n/g, '\\n')}`);
  }
  const wrong = set.texts
    .filter((t) => (detectFormat(t) === 'json') !== set.json)
    .slice(0, 4)
    .map((t) => t.slice(0, 80).replace(/\n/g, '\\n'));
  detection[set.name] = {
    n: set.texts.length,
    calledJson: called,
    fenceRejectedInvalidJson: rejectedJson,
    fenceRejectedAnyReason: rejected,
    isJson: set.json,
    examplesJudgedWrong: wrong,
    examplesRejected: rejectedExamples,
  };
  process.stdout.write(
    `  ${set.name.padEnd(50)} n ${String(set.texts.length).padStart(4)}  called JSON ${String(called).padStart(4)}  untagged fence rejected: invalid-json ${String(rejectedJson).padStart(4)}, any reason ${String(rejected).padStart(4)}\n`,
  );
  for (const w of wrong) process.stdout.write(`      ${set.json ? 'not called JSON' : 'called JSON'}: ${w}\n`);
  for (const e of rejectedExamples) process.stdout.write(`      rejected ${e}\n`);
}

const accuracy = {
  sources: {
    spiderUnique: spider.length,
    jsFiles: jsFiles.length,
    packageJsons: packageJsons.length,
    pythonFiles: pyFiles.length,
    proseOwnEnglish: PROSE_EN.length,
    proseOwnChinese: PROSE_ZH.length,
    misspeltOwn: MISSPELT_SQL.length,
    realInstructions: realProse.length,
  },
  sql: sqlResult,
  sqlProseParsedBySqlite: sqliteOnProse.map((p) => p.text),
  sqlMisspeltParsedBySqlite: misspeltNames,
  sqlFenced: fenced,
  json: jsonResult,
  javascript: jsResult,
  python: pyResult,
  detection,
};

// ---- throughput ------------------------------------------------------------------------------

async function speed(): Promise<Record<string, unknown>> {
  const random = seededRandom('validators-bench', 3);
  const json = pkgTexts.filter((t) => t.length >= 200 && t.length <= 2000).slice(0, 20);
  const jsonBroken = json.map((s) => s.slice(0, Math.floor(s.length * 0.7)));
  const sql = spider.filter((q) => q.length >= 150).slice(0, 200);
  const sqlBroken = sql
    .slice(0, 50)
    .map((q, i) => q.slice(0, Math.floor(q.length * 0.6)).replace(/\s+\S*$/, i % 2 ? ' WHERE (' : ' WHERE'));
  const python = pyTexts.filter((t) => t.length <= 2000).slice(0, 10);
  const pythonBroken = python.map((t) => mutations(t, 'python', Math.floor(random() * 1e6))[1]?.text ?? t);

  /** Best of five timed rounds (the machine is shared; the best round is the least disturbed). */
  async function timed(n: number, once: (i: number) => unknown): Promise<{ best: number; median: number }> {
    for (let i = 0; i < 200; i++) await once(i); // warm-up
    const rounds: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) await once(i);
      rounds.push(n / (Number(process.hrtime.bigint() - t0) / 1e9));
    }
    rounds.sort((a, b) => a - b);
    return { best: Math.round(rounds[4] ?? 0), median: Math.round(rounds[2] ?? 0) };
  }
  async function rate(
    name: string,
    validator: Validator,
    { inputs, ctx = {} }: { inputs: readonly string[]; ctx?: Record<string, unknown> },
  ): Promise<{ best: number; median: number; bytes: number }> {
    const n = Math.max(1000, inputs.length * 5);
    const r = await timed(n, (i) => validator.validate(inputs[i % inputs.length] as string, ctx));
    const bytes = Math.round(inputs.reduce((a, x) => a + x.length, 0) / inputs.length);
    process.stdout.write(
      `${name.padEnd(32)} ${String(r.best).padStart(8)} /s best, ${String(r.median).padStart(8)} /s median   (${bytes} bytes average, 5 x ${n} runs)\n`,
    );
    return { ...r, bytes };
  }
  process.stdout.write('\nthroughput, one core:\n');
  const results = {
    jsonValid: await rate('json valid (package.json)', jsonV, { inputs: json }),
    jsonBroken: await rate('json broken (cut)', jsonV, { inputs: jsonBroken }),
    sqlValid: await rate('sql valid (fallback order)', sqlV, { inputs: sql }),
    sqlValidAllSpider: await rate('sql valid (all Spider)', sqlV, { inputs: spider }),
    sqlValidNamedDialect: await rate('sql valid (sqlite named)', sqlV, {
      inputs: sql.filter((q) => !/INTERSECT|EXCEPT|UNION/.test(q)),
      ctx: { instruction: 'in SQLite' },
    }),
    sqlBroken: await rate('sql broken (all dialects)', sqlV, { inputs: sqlBroken }),
    sqlProse: await rate('sql prose (keyword check)', sqlV, { inputs: PROSE_EN }),
    pythonValid: await rate('python valid (stdlib files)', byName('code'), { inputs: python, ctx: { hints: { language: 'python' } } }),
    pythonBroken: await rate('python broken', byName('code'), { inputs: pythonBroken, ctx: { hints: { language: 'python' } } }),
    javascriptValid: await rate('javascript valid (node_modules)', byName('code'), {
      inputs: jsTexts.filter((t) => t.length <= 2000).slice(0, 10),
      ctx: { hints: { language: 'javascript' } },
    }),
  };
  const targets = { json: 5000, sqlAndCode: 1000 };
  return {
    unit: 'validations per second on one core',
    targets,
    meetsTargets:
      results.jsonValid.best >= targets.json &&
      results.jsonBroken.best >= targets.json &&
      results.sqlValid.best >= targets.sqlAndCode &&
      results.pythonValid.best >= targets.sqlAndCode &&
      results.pythonBroken.best >= targets.sqlAndCode,
    ...results,
  };
}

const skipSpeed = process.argv.includes('--no-speed') || baselineDir !== undefined;
writeResults(baselineDir === undefined ? 'validators' : 'validators-baseline', {
  validators: baselineDir ?? 'packages/validators/src',
  accuracy,
  throughput: skipSpeed ? 'skipped' : await speed(),
});
