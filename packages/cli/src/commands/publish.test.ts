// `evolflow publish`, tested up to the requests it sends: the Hub is unreachable here, so a
// recording fetch stands in for it and answers as the Hub's API does.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../command.ts';
import { datasetFiles, publishDataset, run } from './publish.ts';

interface Sent {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A fetch that records every request and answers like the Hub (repo create, preupload, commit). */
function fakeHub(options: { createStatus?: number } = {}): { fetch: typeof fetch; sent: Sent[] } {
  const sent: Sent[] = [];
  const fake = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const raw = init?.body;
    const body =
      raw === undefined || raw === null ? '' : typeof raw === 'string' ? raw : raw instanceof Blob ? await raw.text() : String(raw);
    sent.push({ method: init?.method ?? 'GET', url, headers: Object.fromEntries(new Headers(init?.headers).entries()), body });
    if (url.endsWith('/api/repos/create')) {
      return options.createStatus === 409
        ? Response.json({ error: 'You already created this dataset repo' }, { status: 409 })
        : Response.json({ url: 'https://hub.test/datasets/org/evol', id: 'r1' });
    }
    if (url.includes('/preupload/')) {
      const files = (JSON.parse(body) as { files: { path: string }[] }).files;
      return Response.json({ files: files.map((f) => ({ path: f.path, uploadMode: 'regular', shouldIgnore: false })) });
    }
    if (url.includes('/commit/'))
      return Response.json({ success: true, commitOid: 'c0ffee', commitUrl: 'https://hub.test/datasets/org/evol/commit/c0ffee' });
    return Response.json({ error: 'not found' }, { status: 404 });
  };
  return { fetch: fake as typeof fetch, sent };
}

const CARD =
  '---\nconfigs:\n- config_name: default\n  data_files:\n  - split: train\n    path: data/jsonl/train-*.jsonl\nlicense: mit\n---\n\n# evol\n';

/** An output folder: the dataset files and the run's own files beside them. */
function outputFolder(card = CARD): string {
  const dir = mkdtempSync(join(tmpdir(), 'publish-'));
  mkdirSync(join(dir, 'data/jsonl'), { recursive: true });
  mkdirSync(join(dir, 'data/parquet'), { recursive: true });
  mkdirSync(join(dir, 'shards'), { recursive: true });
  writeFileSync(join(dir, 'README.md'), card);
  writeFileSync(join(dir, 'data/jsonl/train-00000-of-00001.jsonl'), '{"instruction":"a","input":"","output":"b"}\n');
  writeFileSync(
    join(dir, 'data/parquet/train-00000-of-00001.parquet'),
    Buffer.from([0x50, 0x41, 0x52, 0x31, 0, 1, 2, 0x50, 0x41, 0x52, 0x31]),
  );
  writeFileSync(join(dir, 'data/jsonl/.train.jsonl.tmp-1'), 'half-written');
  writeFileSync(join(dir, 'dataset_info.json'), '{"evol":{"file_name":"data/jsonl/train-00000-of-00001.jsonl"}}\n');
  for (const f of ['kept.jsonl', 'rejected.jsonl', 'lineage.jsonl', 'run.json', 'manifest.json', 'shards/part-00000.jsonl'])
    writeFileSync(join(dir, f), '{}\n');
  return dir;
}

const DATASET = ['README.md', 'dataset_info.json', 'data/jsonl/train-00000-of-00001.jsonl', 'data/parquet/train-00000-of-00001.parquet'];

describe('evolflow publish', () => {
  it('creates the dataset repo and uploads the card, data/ and dataset_info.json in one commit, nothing of the run', async () => {
    const dir = outputFolder();
    expect(datasetFiles(dir)).toEqual(DATASET);
    const hub = fakeHub();
    const result = await publishDataset(dir, {
      repo: 'org/evol',
      accessToken: 'hf_write_token_for_tests',
      private: true,
      hubUrl: 'https://hub.test',
      fetch: hub.fetch,
    });
    expect(result).toEqual({ repoUrl: 'https://hub.test/datasets/org/evol', files: DATASET, commit: 'c0ffee' });

    expect(hub.sent.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST https://hub.test/api/repos/create',
      'POST https://hub.test/api/datasets/org/evol/preupload/main',
      'POST https://hub.test/api/datasets/org/evol/commit/main',
    ]);
    for (const s of hub.sent) expect(s.headers.authorization).toBe('Bearer hf_write_token_for_tests');
    const [create, preupload, commit] = hub.sent as [Sent, Sent, Sent];
    expect(JSON.parse(create.body)).toEqual({ name: 'evol', organization: 'org', type: 'dataset', visibility: 'private' });
    expect((JSON.parse(preupload.body) as { files: { path: string; size: number }[] }).files.map((f) => [f.path, f.size])).toEqual(
      DATASET.map((f) => [f, readFileSync(join(dir, f)).length]),
    );
    // The commit: a header, then each file with its bytes (base64), exactly as they are on disk.
    expect(commit.headers['content-type']).toBe('application/x-ndjson');
    const lines = commit.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { key: string; value: Record<string, string> });
    expect(lines[0]).toEqual({ key: 'header', value: { summary: 'evolflow publish: 4 files' } });
    expect(lines.slice(1).map((l) => [l.key, l.value.path, l.value.encoding])).toEqual(DATASET.map((f) => ['file', f, 'base64']));
    for (const l of lines.slice(1))
      expect(Buffer.from(l.value.content as string, 'base64').equals(readFileSync(join(dir, l.value.path as string))), l.value.path).toBe(
        true,
      );
  });

  it('adds a commit to a repo that exists already (409 on create), public unless --private', async () => {
    const hub = fakeHub({ createStatus: 409 });
    const result = await publishDataset(outputFolder(), {
      repo: 'org/evol',
      accessToken: 'hf_write_token_for_tests',
      private: false,
      hubUrl: 'https://hub.test',
      fetch: hub.fetch,
    });
    expect(result).toEqual({ repoUrl: 'https://hub.test/datasets/org/evol', files: DATASET, commit: 'c0ffee' });
    expect(JSON.parse((hub.sent[0] as Sent).body)).toMatchObject({ visibility: 'public' });
    expect(hub.sent).toHaveLength(3);
  });

  it('refuses a folder that is not a dataset, or a card without configs:, naming the file', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'publish-empty-'));
    expect(() => datasetFiles(empty)).toThrow(`publish: ${empty} holds no dataset (README.md and data/ are missing)`);
    const old = outputFolder('---\nlicense: other\n---\n# old card\n');
    expect(() => datasetFiles(old)).toThrow(`publish: ${join(old, 'README.md')} has no configs: in its YAML header`);
    const hub = fakeHub();
    await expect(publishDataset(old, { repo: 'org/evol', accessToken: 't', private: false, fetch: hub.fetch })).rejects.toThrow(
      /has no configs:/,
    );
    expect(hub.sent).toEqual([]);
  });

  it('is a usage error (exit 2) without a token or a repo', async () => {
    const dir = outputFolder();
    const env = 'EVOLFLOW_TEST_NO_SUCH_TOKEN';
    delete process.env[env];
    const args = (values: Record<string, unknown>) => ({ values, positionals: [dir] }) as unknown as Parameters<typeof run>[0];
    await expect(run(args({ repo: 'org/evol', 'token-env': env }))).rejects.toThrow(
      new UsageError(
        `publish: no Hugging Face token in $${env}; create a write token at https://huggingface.co/settings/tokens and export ${env}=... (or name another variable with --token-env)`,
      ),
    );
    await expect(run(args({ 'token-env': env }))).rejects.toBeInstanceOf(UsageError);
    await expect(run(args({ repo: 'not a repo', 'token-env': env }))).rejects.toThrow(/--repo ORG\/NAME is required \(got "not a repo"\)/);
  });
});
