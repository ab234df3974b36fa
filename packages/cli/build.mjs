#!/usr/bin/env node
// Builds the publishable `evolflow` package into packages/cli/dist/ (a folder `npm pack` turns into
// the tarball users `npm i -g`): the CLI and every workspace library it uses bundled by esbuild into
// ES modules (one lazily loaded chunk per command, so `evolflow --help` loads almost nothing), type
// declarations emitted by tsc, the sample seeds, and a package.json whose dependencies are exactly
// the third-party packages the bundle imports (native ones such as lmdb, hnswlib-node,
// onnxruntime-node and node-llama-cpp stay npm dependencies, built or fetched on install).
//
//   node packages/cli/build.mjs            build dist/
//   node packages/cli/build.mjs --pack DIR build, then `npm pack` dist/ into DIR; prints the tarball path
//   ... --out DIR                          build into DIR instead of packages/cli/dist/
//   node packages/cli/build.mjs --guard    (the workspace's prepack) refuse: pack dist/, not the sources
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { builtinModules } from 'node:module';
import { build } from 'esbuild';

const CLI = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(CLI, '../..');
const args = process.argv.slice(2);
/** `--out DIR` builds elsewhere (tests and benches build into a temp folder, never over another build). */
const outAt = args.indexOf('--out');
const OUT = outAt >= 0 ? resolve(args[outAt + 1] ?? '') : join(CLI, 'dist');
if (outAt >= 0) args.splice(outAt, 2);
const LIB = join(OUT, 'lib');

if (args[0] === '--guard') {
  process.stderr.write(
    '@evolflow/cli: the workspace package runs TypeScript sources and is not packed as it is.\n' +
      'Run `npm run pack:cli` at the repository root (or `node packages/cli/build.mjs --pack DIR`): it builds packages/cli/dist/ and packs that.\n',
  );
  process.exit(1);
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

/** Every workspace package: name -> { dir, manifest }. */
function workspaces() {
  const out = new Map();
  for (const group of readJson(join(REPO, 'package.json')).workspaces.map((w) => w.replace(/\/\*$/, ''))) {
    const base = join(REPO, group);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base)) {
      const file = join(base, name, 'package.json');
      if (existsSync(file)) {
        const manifest = readJson(file);
        out.set(manifest.name, { dir: join(base, name), manifest });
      }
    }
  }
  return out;
}

const WS = workspaces();
const cliManifest = readJson(join(CLI, 'package.json'));

/** The workspace packages the CLI reaches through `dependencies`, every strategy plugin (loaded by name from the config) and every stage service (loaded by its manifest name). */
function bundledPackages() {
  const seen = new Set();
  const visit = (name) => {
    if (seen.has(name) || !WS.has(name)) return;
    seen.add(name);
    for (const dep of Object.keys(WS.get(name).manifest.dependencies ?? {})) visit(dep);
  };
  visit(cliManifest.name);
  for (const name of WS.keys()) if (name.startsWith('@evolflow/strategy-') || name.startsWith('@evolflow/stage-')) visit(name);
  seen.delete(cliManifest.name);
  return [...seen].sort();
}

/** The workspace package a source file belongs to. */
function ownerOf(file) {
  let best;
  for (const [name, ws] of WS) if (file.startsWith(ws.dir + sep) && (!best || ws.dir.length > WS.get(best).dir.length)) best = name;
  return best;
}

const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
const BUILTINS = new Set(builtinModules);

/** Third-party packages the bundle imports, with the version range their importer declares. */
const externals = new Map();
const undeclared = [];

const externalsPlugin = {
  name: 'evolflow-externals',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (a) => {
      if (a.path.startsWith('evolflow:')) return undefined;
      if (a.path.startsWith('node:') || BUILTINS.has(a.path) || BUILTINS.has(a.path.split('/')[0])) return { external: true };
      if (a.path.startsWith('@evolflow/')) return undefined; // workspace code: bundled
      const pkg = packageName(a.path);
      const owner = ownerOf(a.importer);
      const range = (owner && (WS.get(owner).manifest.dependencies ?? {})[pkg]) ?? readJson(join(REPO, 'package.json')).dependencies?.[pkg];
      if (range === undefined) undeclared.push(`${pkg} (imported by ${relative(REPO, a.importer)})`);
      else if (!externals.has(pkg)) externals.set(pkg, range);
      return { external: true };
    });
  },
};

/**
 * The entry of bin/evolflow.js: a command that loads plugins or optional packages by name (the
 * strategies a config names, @evolflow/dedup for embedding decontamination) gets a resolve hook
 * mapping `@evolflow/<name>` to its bundled module (dist/lib/pkg/<name>.js); help and --version
 * skip it (it starts a loader thread: about 50 ms).
 */
const BIN_ENTRY = `
import { register } from 'node:module';
const argv = process.argv.slice(2);
const light = argv.length === 0 || ['--help', '-h', 'help', '--version', '-V'].includes(argv[0]) || argv.includes('--help') || argv.includes('-h');
if (!light) register(new URL('./hooks.mjs', import.meta.url), import.meta.url);
await import(${JSON.stringify(join(CLI, 'src', 'bin.ts'))});
`;

const HOOKS = `// Resolves @evolflow/<name> (a strategy named in a config, an optional package) to its bundled module.
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@evolflow/') && !specifier.slice('@evolflow/'.length).includes('/')) {
    const url = new URL('./pkg/' + specifier.slice('@evolflow/'.length) + '.js', import.meta.url);
    try {
      return await next(specifier, context);
    } catch {
      return { url: url.href, shortCircuit: true };
    }
  }
  return next(specifier, context);
}
`;

async function bundle() {
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(LIB, { recursive: true });
  const packages = bundledPackages();
  const entryPoints = { bin: 'evolflow:bin', index: join(CLI, 'src', 'index.ts') };
  for (const name of packages) entryPoints[`pkg/${name.slice('@evolflow/'.length)}`] = join(WS.get(name).dir, 'src', 'index.ts');
  const common = {
    absWorkingDir: REPO,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [externalsPlugin],
  };
  const result = await build({
    ...common,
    entryPoints,
    outdir: LIB,
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    metafile: true,
    plugins: [
      externalsPlugin,
      {
        name: 'evolflow-bin-entry',
        setup(b) {
          b.onResolve({ filter: /^evolflow:bin$/ }, () => ({ path: 'bin', namespace: 'evolflow' }));
          b.onLoad({ filter: /.*/, namespace: 'evolflow' }, () => ({ contents: BIN_ENTRY, loader: 'js', resolveDir: CLI }));
        },
      },
    ],
  });
  writeFileSync(join(LIB, 'hooks.mjs'), HOOKS);
  // The embedder's worker thread: its own bundle, beside whichever output starts it (new URL('./embed-worker.mjs', import.meta.url)).
  const starters = Object.keys(result.metafile.outputs).filter(
    (o) => o.endsWith('.js') && readFileSync(resolve(REPO, o), 'utf8').includes('embed-worker.mjs'),
  );
  for (const dir of new Set(starters.map((o) => dirname(resolve(REPO, o))))) {
    await build({
      ...common,
      entryPoints: [join(WS.get('@evolflow/dedup').dir, 'src', 'embed-worker.ts')],
      outfile: join(dir, 'embed-worker.mjs'),
    });
  }
  if (starters.length === 0) throw new Error('build: no output refers to embed-worker.mjs; the embedder worker would be missing');
  return packages;
}

/** Type declarations: tsc emits them for the CLI and every workspace source it imports, with the specifiers made relative. */
function declarations() {
  const types = join(OUT, 'types');
  const tsconfig = join(OUT, 'tsconfig.types.json');
  // Every workspace entry (`@evolflow/core`, `@evolflow/core/plugin`...) mapped to its source, so tsc
  // treats them as sources to emit rather than as packages found in node_modules (which it never emits).
  const entries = new Map();
  for (const [name, ws] of WS) {
    for (const [key, target] of Object.entries(ws.manifest.exports ?? {})) {
      if (typeof target === 'string' && target.endsWith('.ts')) entries.set(`${name}${key.slice(1)}`, join(ws.dir, target));
    }
  }
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: join(REPO, 'tsconfig.base.json'),
      compilerOptions: {
        noEmit: false,
        declaration: true,
        emitDeclarationOnly: true,
        outDir: types,
        rootDir: REPO,
        skipLibCheck: true,
        typeRoots: [join(REPO, 'node_modules', '@types')],
        paths: Object.fromEntries([...entries].map(([spec, file]) => [spec, [file]])),
      },
      files: [join(CLI, 'src', 'index.ts')],
    }),
  );
  try {
    execFileSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', tsconfig], { stdio: 'pipe' });
  } catch (err) {
    // Declarations are written even when some other package has a type error; say so, and go on.
    process.stderr.write(
      `build: tsc reported type errors while emitting declarations (they are still written):\n${String(err.stdout).split('\n').slice(0, 10).join('\n')}\n`,
    );
  }
  rmSync(tsconfig);
  // `@evolflow/<name>` in a declaration -> the relative path of that package's emitted index.
  const fix = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = join(dir, entry.name);
      if (entry.isDirectory()) fix(file);
      else if (file.endsWith('.d.ts')) {
        const text = readFileSync(file, 'utf8')
          .replace(/(from\s+|import\()(['"])(@evolflow\/[a-z0-9-]+(?:\/[a-z0-9-]+)?)\2/g, (m, lead, q, spec) => {
            const source = entries.get(spec);
            if (!source) return m;
            let rel = relative(dirname(file), join(types, relative(REPO, source).replace(/\.ts$/, '.js')))
              .split(sep)
              .join('/');
            if (!rel.startsWith('.')) rel = `./${rel}`;
            return `${lead}${q}${rel}${q}`;
          })
          .replace(/(from\s+|import\()(['"])(\.{1,2}\/[^'"]+)\.ts\2/g, '$1$2$3.js$2');
        writeFileSync(file, text);
      }
    }
  };
  if (existsSync(types)) fix(types);
  return relative(OUT, join(types, relative(REPO, CLI), 'src', 'index.d.ts'))
    .split(sep)
    .join('/');
}

function manifest(typesEntry, packages) {
  // Everything a bundled library declares, not only what esbuild saw imported: some are loaded
  // through createRequire (hnswlib-node) or located on disk (tree-sitter-wasms' grammars).
  for (const name of packages) {
    for (const [dep, range] of Object.entries(WS.get(name).manifest.dependencies ?? {})) {
      if (!dep.startsWith('@evolflow/') && !externals.has(dep)) externals.set(dep, range);
    }
  }
  if (undeclared.length > 0) {
    throw new Error(
      `build: the bundle imports packages no workspace package.json declares; add them to the importing package's dependencies:\n  ${[...new Set(undeclared)].join('\n  ')}`,
    );
  }
  const root = readJson(join(REPO, 'package.json'));
  const publish = {
    name: cliManifest.name,
    version: cliManifest.version,
    description: cliManifest.description,
    license: root.license,
    type: 'module',
    engines: root.engines,
    bin: { evolflow: './bin/evolflow.js' },
    exports: { '.': { types: `./${typesEntry}`, default: './lib/index.js' }, './package.json': './package.json' },
    types: `./${typesEntry}`,
    files: ['bin', 'lib', 'types', 'data', 'README.md'],
    dependencies: Object.fromEntries([...externals].sort(([a], [b]) => a.localeCompare(b))),
  };
  writeFileSync(join(OUT, 'package.json'), `${JSON.stringify(publish, null, 2)}\n`);
  mkdirSync(join(OUT, 'bin'));
  writeFileSync(
    join(OUT, 'bin', 'evolflow.js'),
    "#!/usr/bin/env node\n// The bundled `evolflow` command (built by packages/cli/build.mjs).\nimport '../lib/bin.js';\n",
    { mode: 0o755 },
  );
  cpSync(join(CLI, 'data'), join(OUT, 'data'), { recursive: true });
  if (existsSync(join(CLI, 'README.md'))) cpSync(join(CLI, 'README.md'), join(OUT, 'README.md'));
  return publish;
}

const started = Date.now();
const packages = await bundle();
const typesEntry = declarations();
const publish = manifest(typesEntry, packages);
process.stderr.write(
  `build: ${relative(process.cwd(), OUT) || '.'}: ${packages.length} workspace packages bundled, ${Object.keys(publish.dependencies).length} npm dependencies, ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
);

if (args[0] === '--pack') {
  const into = resolve(args[1] ?? '.');
  mkdirSync(into, { recursive: true });
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', into], {
    cwd: OUT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  process.stdout.write(`${join(into, JSON.parse(out)[0].filename)}\n`);
}
