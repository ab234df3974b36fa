// Format validator throughput, one core (this process is single-threaded): validations per second
// for JSON, SQL and Python snippets of typical size (a few hundred bytes), valid and broken, and the
// whole validate-stage policy (extraction + validation) on instructions embedding them.
// Targets: JSON >= 5,000/s, SQL and code >= 1,000/s per core.
// Usage: npx tsx bench/validators.ts
import { readFileSync } from 'node:fs';
import type { Validator } from '@evolflow/core';
import { createFormatChecker } from '@evolflow/validators';
import { writeResults } from './support.ts';

const checker = await createFormatChecker();
const byName = (name: string): Validator => checker.validators().find((v) => v.name === name) as Validator;

const json = [
  JSON.stringify({ id: 42, name: 'Ann Lee', email: 'ann@example.com', roles: ['admin', 'dev'], address: { street: '1 Main St', city: 'Oslo', zip: '0150' }, orders: [{ sku: 'A1', qty: 2, price: 9.99 }, { sku: 'B7', qty: 1, price: 24.5 }], active: true }, null, 2),
  JSON.stringify([{ city: 'Oslo', temp: 4.5, readings: [3, 4, 6, 5] }, { city: 'Rome', temp: 18.25, readings: [17, 18, 19, 19] }, { city: 'Lima', temp: 21, readings: [20, 21, 22, 21] }, { city: 'Nuuk', temp: -3, readings: [-4, -3, -2, -3] }]),
  JSON.stringify({ model: 'gpt', messages: [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'Summarise the attached report in three bullet points, citing page numbers.' }], temperature: 0.2, max_tokens: 256, stop: ['\n\n'] }),
];
const jsonBroken = json.map((s) => s.slice(0, Math.floor(s.length * 0.7)));
const spider = readFileSync('/work/shared/data/sql/spider-gold.txt', 'utf8').split('\n').filter(Boolean).map((l) => l.split('\t')[0] as string);
const sql = spider.filter((q) => q.length >= 150).slice(0, 200);
// Half truncated mid-query (every dialect is tried), half with an unclosed parenthesis.
const sqlBroken = sql.slice(0, 50).map((q, i) => q.slice(0, Math.floor(q.length * 0.6)).replace(/\s+\S*$/, i % 2 ? ' WHERE (' : ' WHERE'));
const python = [
  'def moving_average(xs, k):\n    """Mean of each window of k items."""\n    if k <= 0:\n        raise ValueError("k must be positive")\n    out = []\n    total = sum(xs[:k])\n    out.append(total / k)\n    for i in range(k, len(xs)):\n        total += xs[i] - xs[i - k]\n        out.append(total / k)\n    return out\n',
  'import json\n\nclass Inventory:\n    def __init__(self, path):\n        with open(path) as f:\n            self.items = json.load(f)\n\n    def low_stock(self, limit=5):\n        return [name for name, qty in self.items.items() if qty < limit]\n\nif __name__ == "__main__":\n    print(Inventory("stock.json").low_stock())\n',
];
const pythonBroken = python.map((s) => s.replace('    return', '  return').replace('        return [', '        return (['));

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

async function rate(name: string, validator: Validator, inputs: readonly string[], ctx: Record<string, unknown> = {}): Promise<{ best: number; median: number; bytes: number }> {
  const n = Math.max(1000, inputs.length * 5);
  const r = await timed(n, (i) => validator.validate(inputs[i % inputs.length] as string, ctx));
  const bytes = Math.round(inputs.reduce((a, x) => a + x.length, 0) / inputs.length);
  process.stdout.write(`${name.padEnd(28)} ${String(r.best).padStart(8)} /s best, ${String(r.median).padStart(8)} /s median   (${bytes} bytes average, 5 x ${n} runs)\n`);
  return { ...r, bytes };
}

async function policyRate(name: string, texts: readonly { text: string; expect: string }[]): Promise<{ best: number; median: number }> {
  const r = await timed(1000, (i) => checker.checkInstruction(texts[i % texts.length]?.text as string, { expectFormat: texts[i % texts.length]?.expect as string }));
  process.stdout.write(`${name.padEnd(28)} ${String(r.best).padStart(8)} /s best, ${String(r.median).padStart(8)} /s median\n`);
  return r;
}

const results = {
  jsonValid: await rate('json valid', byName('json'), json),
  jsonBroken: await rate('json broken', byName('json'), jsonBroken),
  sqlValid: await rate('sql valid (fallback order)', byName('sql'), sql),
  sqlValidAllSpider: await rate('sql valid (all 1,034 Spider)', byName('sql'), spider),
  sqlValidNamedDialect: await rate('sql valid (sqlite named)', byName('sql'), sql.filter((q) => !/INTERSECT|EXCEPT|UNION/.test(q)), { instruction: 'in SQLite' }),
  sqlBroken: await rate('sql broken (all dialects)', byName('sql'), sqlBroken),
  pythonValid: await rate('python valid', byName('code'), python, { hints: { language: 'python' } }),
  pythonBroken: await rate('python broken', byName('code'), pythonBroken, { hints: { language: 'python' } }),
  policyInstruction: await policyRate('checkInstruction (mixed)', [
    { text: `Given the record ${json[2]}, list the roles and explain the settings.`, expect: 'json' },
    { text: `Optimise this query:\n\n${sql[0]};\n\nExplain why it is faster.`, expect: 'sql' },
    { text: `Add type hints to:\n\`\`\`python\n${python[0]}\`\`\``, expect: 'python' },
  ]),
};
const targets = { json: 5000, sqlAndCode: 1000 };
writeResults('validators', {
  unit: 'validations per second on one core',
  targets,
  meetsTargets: results.jsonValid.best >= targets.json && results.jsonBroken.best >= targets.json && results.sqlValid.best >= targets.sqlAndCode && results.pythonValid.best >= targets.sqlAndCode && results.pythonBroken.best >= targets.sqlAndCode,
  ...results,
});
