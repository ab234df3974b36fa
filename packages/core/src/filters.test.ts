// The language filters on the corpus written before them (packages/core/fixtures/filter-corpus):
// recall >= 0.95 for each kind and language, and no clean task or answer rejected.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { findMeta, stripLeadingMeta } from './meta.ts';
import { findRefusal } from './refusal.ts';
import { looksLikeTask } from './task.ts';

interface Line {
  text: string;
  kind: string;
  lang: 'en' | 'zh';
  source: string;
  where?: string;
  role?: string;
}
const corpus = (name: string): Line[] =>
  readFileSync(new URL(`../fixtures/filter-corpus/${name}.jsonl`, import.meta.url), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);

const refusals = corpus('refusal');
const metas = corpus('meta');
const nonTasks = corpus('not-a-task');
const clean = corpus('clean');

function recall(lines: Line[], caught: (l: Line) => boolean) {
  const out: Record<string, { n: number; caught: number; missed: string[] }> = {};
  for (const l of lines) {
    const r = (out[l.lang] ??= { n: 0, caught: 0, missed: [] });
    r.n++;
    if (caught(l)) r.caught++;
    else r.missed.push(l.text);
  }
  return out;
}

describe('filter corpus', () => {
  it('holds what its README says: at least 60 refusals, 60 meta framings, 40 non-tasks, half of each in Chinese', () => {
    for (const [lines, min] of [
      [refusals, 60],
      [metas, 60],
      [nonTasks, 40],
    ] as const) {
      expect(lines.length).toBeGreaterThanOrEqual(min);
      expect(lines.filter((l) => l.lang === 'zh').length).toBeGreaterThanOrEqual(min / 2);
    }
  });

  it.each(['en', 'zh'])('finds refusals with recall >= 0.95 (%s), in responses and in rewrites', (lang) => {
    for (const rewrite of [false, true]) {
      const r = recall(refusals, (l) => findRefusal(l.text, { rewrite }) !== undefined)[lang];
      expect((r?.caught ?? 0) / (r?.n ?? 1), `rewrite: ${rewrite}, missed:\n${r?.missed.join('\n')}`).toBeGreaterThanOrEqual(0.95);
    }
  });

  it.each(['en', 'zh'])('finds prompt meta with recall >= 0.95 (%s)', (lang) => {
    const r = recall(metas, (l) => findMeta(l.text) !== undefined)[lang];
    expect((r?.caught ?? 0) / (r?.n ?? 1), r?.missed.join('\n')).toBeGreaterThanOrEqual(0.95);
  });

  it.each(['en', 'zh'])('strips every leading header or preamble and leaves the rewrite clean (%s)', (lang) => {
    const leading = metas.filter((l) => l.lang === lang && l.where === 'leading');
    expect(leading.length).toBeGreaterThanOrEqual(15);
    const left = leading
      .map((l) => ({ l, out: stripLeadingMeta(l.text) }))
      .filter(({ out }) => out.stripped === undefined || findMeta(out.text) !== undefined);
    expect(left.map(({ l }) => l.text)).toEqual([]);
    // Meta inside or after the rewrite is not stripped: the validate stage rejects it.
    for (const l of metas.filter((m) => m.lang === lang && m.where !== 'leading'))
      expect(findMeta(stripLeadingMeta(l.text).text), l.text).toBeDefined();
  });

  it.each(['en', 'zh'])('tells answers and statements from tasks with recall >= 0.95 (%s)', (lang) => {
    const r = recall(nonTasks, (l) => !looksLikeTask(l.text))[lang];
    expect((r?.caught ?? 0) / (r?.n ?? 1), r?.missed.join('\n')).toBeGreaterThanOrEqual(0.95);
  });

  it('rejects no clean task: each reads as a task, holds no meta and no refusal', () => {
    const tasks = clean.filter((l) => l.role === 'task');
    expect(tasks.length).toBeGreaterThanOrEqual(40);
    const wrong = tasks.filter(
      (l) =>
        !looksLikeTask(l.text) ||
        findMeta(l.text) !== undefined ||
        findRefusal(l.text, { rewrite: true }) !== undefined ||
        stripLeadingMeta(l.text).stripped !== undefined,
    );
    expect(wrong.map((l) => l.text)).toEqual([]);
  });

  it('takes no clean answer for a refusal (apology letters, refusals as a topic, quoted refusals)', () => {
    const answers = clean.filter((l) => l.role === 'answer');
    expect(answers.length).toBeGreaterThanOrEqual(25);
    expect(answers.filter((l) => findRefusal(l.text) !== undefined).map((l) => l.text)).toEqual([]);
  });
});
