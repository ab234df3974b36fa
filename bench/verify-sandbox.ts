// What the verify stage's sandbox costs per verified code answer: wall time and CPU per Python and
// JavaScript run (a correct solution with its tests, through the verifier as the stage calls it),
// one at a time and two at once, beside the same program run without the sandbox (a plain
// child process) as the baseline. Prints the figures and writes bench/results/verify-sandbox.json.
//   npx tsx bench/verify-sandbox.ts [--runs N]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG } from '@evolflow/core';
import { codeBlocks, createVerifier, programFiles, type SandboxLanguage } from '@evolflow/verify';
import { writeResults } from './support.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '40' } } });
const RUNS = Number(values.runs);

const ANSWERS: Record<SandboxLanguage, string> = {
  python: [
    'Here is a function that returns the n-th Fibonacci number, with tests.',
    '```python\ndef fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n```',
    '```python\nfrom solution import fib\n\ndef test_fib():\n    assert fib(0) == 0\n    assert fib(1) == 1\n    assert fib(10) == 55\n    assert fib(30) == 832040\n```',
  ].join('\n\n'),
  javascript: [
    'Here is a function that returns the n-th Fibonacci number, with tests.',
    '```javascript\nfunction fib(n) {\n  let a = 0, b = 1;\n  for (let i = 0; i < n; i++) [a, b] = [b, a + b];\n  return a;\n}\n```',
    '```javascript\nconst assert = require("node:assert");\nassert.strictEqual(fib(0), 0);\nassert.strictEqual(fib(10), 55);\nassert.strictEqual(fib(30), 832040);\n```',
  ].join('\n\n'),
};

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};
const stats = (xs: number[]) => ({
  mean: +(xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1),
  p50: +quantile(xs, 0.5).toFixed(1),
  p95: +quantile(xs, 0.95).toFixed(1),
});

/** The same program run as a plain child process, no sandbox: the baseline. */
function baseline(language: SandboxLanguage): { wallMs: number[]; cpuMs: number[] } {
  const program = codeBlocks(ANSWERS[language])
    .filter((b) => b.language === language)
    .map((b) => b.text)
    .join('\n\n');
  const { files, main, args } = programFiles(language, program);
  const dir = mkdtempSync(join(tmpdir(), 'verify-bench-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  const wallMs: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const argv = language === 'python' ? ['/usr/bin/python3', '-B', main] : [process.execPath, ...args, main];
    // sh's `times` reports the child's CPU, as inside the sandbox.
    const t0 = performance.now();
    // The environment the sandbox gives its program: no NODE_OPTIONS (this process's tsx loader would otherwise load in the child).
    const env = { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', PYTHONDONTWRITEBYTECODE: '1' };
    const r = spawnSync('/bin/sh', ['-c', '"$@" >/dev/null; s=$?; times; exit $s', 'sh', ...argv], { cwd: dir, encoding: 'utf8', env });
    wallMs.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`baseline ${language} failed: ${r.stderr}`);
    const line = r.stdout.trim().split('\n')[1] ?? '';
    cpuMs.push([...line.matchAll(/(\d+)m([\d.]+)s/g)].reduce((ms, m) => ms + Number(m[1]) * 60_000 + Number(m[2]) * 1000, 0));
  }
  rmSync(dir, { recursive: true, force: true });
  return { wallMs, cpuMs };
}

const verifier = await createVerifier({ config: { ...DEFAULT_CONFIG.verify, code: { ...DEFAULT_CONFIG.verify.code, askTests: false } } });
// The machine is shared: its load average goes in the results beside the figures.
const results: Record<string, unknown> = {
  runs: RUNS,
  cpus: availableParallelism(),
  loadAverage: loadavg().map((x) => +x.toFixed(1)),
  sandbox: verifier.sandbox?.tools,
};
for (const language of ['python', 'javascript'] as const) {
  const one = { wallMs: [] as number[], sandboxCpuMs: [] as number[], hostCpuMs: [] as number[] };
  for (let i = 0; i < RUNS; i++) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const v = await verifier.verify({ id: `bench-${i}`, instruction: 'Write fib(n) with tests.', response: ANSWERS[language] });
    one.wallMs.push(performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    one.hostCpuMs.push((cpu.user + cpu.system) / 1000);
    if (v.reason !== 'ok' || v.verified !== language) throw new Error(`${language}: expected ok, got ${v.reason}: ${v.detail}`);
    one.sandboxCpuMs.push(v.code?.[0]?.cpuMs ?? 0);
  }
  // Two at once (the default verify.code.parallel on this 2-CPU machine): answers verified per second.
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: RUNS }, (_, i) =>
      verifier.verify({ id: `bench-par-${i}`, instruction: 'Write fib(n) with tests.', response: ANSWERS[language] }),
    ),
  );
  const parallelWallMs = performance.now() - t0;
  const base = baseline(language);
  results[language] = {
    sandboxed: { wallMs: stats(one.wallMs), cpuMs: stats(one.sandboxCpuMs), hostCpuMs: stats(one.hostCpuMs) },
    parallel: { answersPerSecond: +((RUNS / parallelWallMs) * 1000).toFixed(1) },
    baseline: { wallMs: stats(base.wallMs), cpuMs: stats(base.cpuMs) },
  };
  const r = results[language] as {
    sandboxed: { wallMs: { mean: number; p95: number }; cpuMs: { mean: number }; hostCpuMs: { mean: number } };
    parallel: { answersPerSecond: number };
    baseline: { wallMs: { mean: number }; cpuMs: { mean: number } };
  };
  console.log(
    `${language.padEnd(10)} sandboxed: ${r.sandboxed.wallMs.mean} ms wall (p95 ${r.sandboxed.wallMs.p95}), ${r.sandboxed.cpuMs.mean} ms CPU in the sandbox + ${r.sandboxed.hostCpuMs.mean} ms in this process; ` +
      `${r.parallel.answersPerSecond} answers/s two at once | no sandbox: ${r.baseline.wallMs.mean} ms wall, ${r.baseline.cpuMs.mean} ms CPU`,
  );
}
writeResults('verify-sandbox', results);
