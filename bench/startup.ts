// Startup time of the installed `evolflow` command: packages/cli/build.mjs packs it, the tarball is
// installed into an empty temp folder (as test/cli-package.test.ts does), and `evolflow --help`,
// `evolflow --version` and `evolflow help run` are timed from spawn to exit, N runs each (median,
// p90, min), beside `node -e 0` (Node's own floor on this machine) and `--help` from the clone
// (TypeScript through tsx, fewer runs).
//   npx tsx bench/startup.ts [--runs N] [--prefix DIR]   (--prefix: reuse an install made before)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT, tempDir, writeResults } from './support.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '21' }, prefix: { type: 'string' } } });
const runs = Number(values.runs);
const env = {
  ...process.env,
  ONNXRUNTIME_NODE_INSTALL: 'skip',
  ...(existsSync('/usr/include/node') ? { npm_config_nodedir: '/usr' } : {}),
};

let prefix = values.prefix;
let installSeconds: number | undefined;
if (prefix === undefined) {
  const work = tempDir('startup');
  const tarball = execFileSync(
    process.execPath,
    [join(ROOT, 'packages/cli/build.mjs'), '--out', join(work, 'build'), '--pack', join(work, 'tarball')],
    { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  )
    .trim()
    .split('\n')
    .at(-1) as string;
  prefix = join(work, 'install');
  mkdirSync(prefix);
  const t = performance.now();
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--prefix', prefix, tarball], {
    cwd: work,
    env,
    stdio: 'inherit',
  });
  installSeconds = Math.round((performance.now() - t) / 100) / 10;
}
const bin = join(prefix, 'node_modules', '.bin', 'evolflow');
if (!existsSync(bin)) throw new Error(`no evolflow command in ${prefix}`);

/** Wall milliseconds of `file args` from spawn to exit, `n` times (after one warm-up run). */
function time(file: string, args: readonly string[], n: number): { medianMs: number; p90Ms: number; minMs: number; runs: number } {
  const once = () => {
    const t = performance.now();
    const r = spawnSync(file, args, { cwd: prefix, env, stdio: 'ignore' });
    if (r.status !== 0) throw new Error(`${file} ${args.join(' ')} exited ${r.status}`);
    return performance.now() - t;
  };
  once();
  const ms = Array.from({ length: n }, once).sort((a, b) => a - b);
  const at = (q: number) => Math.round(ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] as number);
  return { medianMs: at(0.5), p90Ms: at(0.9), minMs: Math.round(ms[0] as number), runs: n };
}

writeResults('startup', {
  what: 'wall time from spawn to exit of the installed evolflow command (npm pack of packages/cli, npm install into an empty folder)',
  machine: {
    cpus: (await import('node:os')).cpus().length,
    loadavg: (await import('node:os')).loadavg().map((l) => Math.round(l * 100) / 100),
  },
  ...(installSeconds === undefined ? {} : { installSeconds }),
  help: time(bin, ['--help'], runs),
  version: time(bin, ['--version'], runs),
  helpRun: time(bin, ['help', 'run'], runs),
  nodeFloor: time(process.execPath, ['-e', '0'], runs),
  cloneHelp: time(process.execPath, [join(ROOT, 'packages/cli/bin/evolflow.js'), '--help'], Math.max(3, Math.round(runs / 4))),
});
