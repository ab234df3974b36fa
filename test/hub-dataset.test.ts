// The output folder is a dataset as it is: a simulator run's folder (and two re-mixes of it, one per
// chat format) loaded with Hugging Face `datasets` in Python, `load_dataset(DIR)` with no other
// argument and each config the card names, in `datasets` 4.0.0 (LLaMA-Factory's pin) and 5.x. The
// venvs come from `npm test`'s provisioning (scripts/test.sh, cached in .cache/); a missing venv
// fails the test with the reason, never skips it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { evolflow, ROOT, tempDir, VICUNA, writeConfig } from './observe-helpers.ts';

const JSONL = 'data/jsonl/train-00000-of-00001.jsonl';
const PARQUET = 'data/parquet/train-00000-of-00001.parquet';
const VENVS = { '4.0.0': '.cache/py-datasets', '5.x': '.cache/py-datasets5' } as const;

/** Loads DIR every way a user would and prints what came back, as JSON. */
const LOADER = `
import json, sys, tempfile, datasets
d = sys.argv[1]
cache = tempfile.mkdtemp()
def rows(ds):
    return [dict(r) for r in ds]
out = {"version": datasets.__version__, "configs": datasets.get_dataset_config_names(d)}
plain = datasets.load_dataset(d, cache_dir=cache)
out["splits"] = sorted(plain.keys())
out["default"] = rows(plain["train"])
out["byConfig"] = {c: len(datasets.load_dataset(d, c, cache_dir=cache)["train"]) for c in out["configs"]}
out["parquet"] = rows(datasets.load_dataset("parquet", data_files=d + "/${PARQUET}", cache_dir=cache)["train"])
print(json.dumps(out))
`;

interface Loaded {
  version: string;
  configs: string[];
  splits: string[];
  default: Record<string, unknown>[];
  byConfig: Record<string, number>;
  parquet: Record<string, unknown>[];
}

function venvPython(venv: string): string {
  const python = join(ROOT, venv, 'bin/python');
  if (!existsSync(python)) {
    throw new Error(
      `${python} is missing: test/hub-dataset.test.ts needs the Python venvs that scripts/test.sh (npm test) makes in .cache/ (python3 -m venv + pip install datasets); run npm test, or make them by hand as scripts/test.sh does`,
    );
  }
  return python;
}

function load(venv: string, dir: string): Loaded {
  const r = spawnSync(venvPython(venv), ['-c', LOADER, dir], {
    encoding: 'utf8',
    env: { ...process.env, HF_DATASETS_OFFLINE: '1', HF_HUB_OFFLINE: '1' },
  });
  if (r.status !== 0) throw new Error(`load_dataset(${dir}) with ${venv} failed (exit ${r.status}):\n${r.stderr.slice(-3000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) as string) as Loaded;
}

const jsonl = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const folders: Record<'alpaca' | 'sharegpt' | 'openai', string> = { alpaca: '', sharegpt: '', openai: '' };

beforeAll(async () => {
  const dir = tempDir('hub');
  const config = writeConfig(dir, { run: { rounds: 2 }, mix: { metadata: 'field' } });
  folders.alpaca = join(dir, 'run');
  const run = evolflow(['run', '--config', config, '--seeds', VICUNA, '--out', folders.alpaca, '--log-level', 'error', '--no-progress']);
  expect(await run.code, run.stderr()).toBe(0);
  for (const format of ['sharegpt', 'openai'] as const) {
    folders[format] = join(dir, format);
    const mix = evolflow(['mix', '--in', folders.alpaca, '--out', folders[format], '--format', format, '--metadata', 'field']);
    expect(await mix.code, mix.stderr()).toBe(0);
  }
}, 240_000);

describe('the output folder in Hugging Face datasets', () => {
  for (const [version, venv] of Object.entries(VENVS)) {
    it(`loads with load_dataset(DIR), each config and the Parquet copy, in datasets ${version}, in every format`, () => {
      for (const [format, dir] of Object.entries(folders)) {
        const expected = jsonl(join(dir, JSONL));
        const loaded = load(venv, dir);
        if (version === '4.0.0') expect(loaded.version).toBe('4.0.0');
        else expect(loaded.version).toMatch(/^5\./);
        // One config, one split: only the rows of data/, none of the run's files beside them
        // (kept.jsonl, rejected.jsonl, lineage.jsonl, run.json, manifest.json, shards/).
        expect(loaded.configs, format).toEqual(['default']);
        expect(loaded.splits, format).toEqual(['train']);
        expect(loaded.byConfig, format).toEqual({ default: expected.length });
        expect(expected.length, format).toBeGreaterThan(20);
        // The same rows, field for field (metadata as a struct), in the file's order.
        expect(loaded.default, format).toEqual(expected);
        // Parquet: the same rows, metadata as a plain JSON string column.
        expect(loaded.parquet.length, format).toBe(expected.length);
        loaded.parquet.forEach((row, i) => {
          const { metadata, ...rest } = row;
          const want = expected[i] as Record<string, unknown>;
          expect(typeof metadata, `${format} parquet row ${i} metadata`).toBe('string');
          expect(JSON.parse(metadata as string), `${format} parquet row ${i}`).toEqual(want.metadata);
          const { metadata: _, ...wantRest } = want;
          expect(rest, `${format} parquet row ${i}`).toEqual(wantRest);
        });
      }
    });
  }

  it('has a card whose YAML header the Hub reads, without local paths, that says to merge the LLaMA-Factory entry', () => {
    const card = readFileSync(join(folders.alpaca, 'README.md'), 'utf8');
    const header = card.split('---\n')[1] as string;
    expect(header).toContain('configs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/jsonl/train-*.jsonl\n');
    expect(header).toMatch(/^license: other\nlicense_name: unknown-seed-licence$/m);
    expect(header).toContain('task_categories:\n- text-generation\n');
    expect(header).toContain('size_categories:\n- n<1K\n');
    expect(card).toContain('SIMULATED DATA');
    expect(card).toContain('MERGE this\nentry into the `dataset_info.json` already there');
    expect(card).toContain('"file_name": "evolflow/data/jsonl/train-00000-of-00001.jsonl"');
    expect(card).not.toContain(ROOT);
    expect(card).not.toContain(folders.alpaca);
    expect(card).not.toMatch(/\/tmp\/|\/home\/|\/work\/|http:\/\/127/);
  });
});
