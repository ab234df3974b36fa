// The live progress view of `evolflow run` in a real pseudo-terminal (tmux): one line per stage
// with in / out / rejected / in flight / rate, and the summary line, redrawn in place.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIPELINE } from '@evolflow/core';
import { BIN, ROOT, sleep, tempDir, VICUNA, writeConfig } from './observe-helpers.ts';

const SOCKET = `evolflow-observe-${process.pid}`;
const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const quote = (s: string) => `'${s.replaceAll("'", "'\\''")}'`;

beforeAll(() => {
  try {
    execFileSync('tmux', ['-V']);
  } catch {
    throw new Error('this test needs tmux (Debian: apt-get install tmux) to give evolflow run a real terminal');
  }
});

afterAll(() => {
  try {
    tmux('kill-server');
  } catch {
    // already gone
  }
});

describe('progress view of evolflow run', () => {
  it('draws one line per stage and a summary in a terminal, then the final state', async () => {
    const dir = tempDir('progress');
    const out = join(dir, 'out');
    const config = writeConfig(dir, {
      run: { rounds: 2 },
      simulator: { latencyMs: 30 },
      llm: { concurrency: 8 },
      stages: { concurrency: 8 },
    });
    const command = [process.execPath, '--import', 'tsx', BIN, 'run', '--config', config, '--seeds', VICUNA, '--out', out]
      .map(quote)
      .join(' ');
    tmux('new-session', '-d', '-s', 'run', '-x', '200', '-y', '60', `cd ${quote(ROOT)} && ${command}; echo EXIT=$?; sleep 600`);
    const frames: string[] = [];
    for (let i = 0; i < 600; i++) {
      const screen = tmux('capture-pane', '-p', '-t', 'run');
      frames.push(screen);
      if (screen.includes('EXIT=')) break;
      await sleep(200);
    }
    const last = frames.at(-1) ?? '';
    expect(last, last).toContain('EXIT=0');

    const stageLine = (stage: string) =>
      new RegExp(`^${stage} +in +[\\d,]+ +out +[\\d,]+ +rejected +[\\d,]+ +in flight +\\d+ +[\\d.]+/s$`, 'm');
    const summaryLine = /^\d+\.\d% \([\d,]+\/[\d,]+ done\) {2}llm [\d,]+ calls {2}[\d,]+ tok {2}~\$[\d.,]+ {2}elapsed \d+s/m;
    // A frame drawn mid-run: every stage has its line, the run is not yet complete.
    const midRun = frames.filter(
      (f) => !f.includes('EXIT=') && PIPELINE.every((s) => stageLine(s.name).test(f)) && summaryLine.test(f) && !/^100\.0% /m.test(f),
    );
    expect(midRun.length, frames.join('\n-----\n')).toBeGreaterThan(0);
    expect(midRun[0]).toMatch(/ETA (\d+s|\d+m\d\ds|\?)/);
    // The final state stays on screen, drawn in place: each stage line appears once.
    for (const s of PIPELINE) expect(last.match(new RegExp(stageLine(s.name).source, 'gm'))?.length, s.name).toBe(1);
    expect(last).toMatch(/^100\.0% \(([\d,]+)\/\1 done\)/m);
    // Logs went to a file so they could not tear the view; the report was written.
    expect(last).toContain(`log: ${join(out, 'evolflow.log')}`);
    expect(last).toContain(`report: ${join(out, 'report.html')}`);
    expect(existsSync(join(out, 'report.html'))).toBe(true);
    expect(readFileSync(join(out, 'run.json'), 'utf8')).toContain('"timeline"');
  });
});
