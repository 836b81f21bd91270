// Doc tests: every fenced code block marked `runnable` in README.md, the package READMEs
// and docs/guide/ is extracted and run, so the docs cannot rot.
//
//     ```ts runnable        a TypeScript block: type-checked against the packages'
//                           sources, then bundled and run with node
//     ```js runnable        a JavaScript block: bundled and run with node
//     ```text output        right after a runnable block: what it must print, exactly
//     ```js from PATH       a quotation: PATH (from the repository root) must still
//                           contain the block, word for word
//
// A block runs on its own, as a file: it imports what it uses (`@yieldio/core`, ...)
// and may use top-level await. It passes if it type-checks, exits 0, and prints its
// output block (when it has one). Blocks without the marker (fragments, shell lines)
// are prose and are not run. The guide's introduction documents the same marker.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build, type Plugin } from 'esbuild';
import ts from 'typescript';

const root = join(__dirname, '..', '..');

export interface DocBlock {
  /** `README.md:6`: where the block starts. */
  where: string;
  lang: 'ts' | 'js';
  code: string;
  /** The output block's text, or null if the block has none. */
  output: string | null;
}

export interface Quotation {
  where: string;
  /** The quoted file, from the repository root. */
  from: string;
  code: string;
}

interface Fence {
  info: string;
  line: number;
  body: string;
}

function fencesOf(markdown: string, file: string): Fence[] {
  const lines = markdown.split('\n');
  const fences: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(.*)$/.exec(lines[i]);
    if (open === null) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    if (i === lines.length) throw new Error(`${file}:${start + 1}: a code fence that never closes`);
    fences.push({ info: open[1].trim(), line: start + 1, body: body.join('\n') + '\n' });
  }
  return fences;
}

/** Finds the blocks quoted from a file (`js from PATH`) in one Markdown text. */
export function extractQuotations(markdown: string, file: string): Quotation[] {
  return fencesOf(markdown, file).flatMap((fence) => {
    const match = /^\w+ from (\S+)$/.exec(fence.info);
    return match === null ? [] : [{ where: `${file}:${fence.line}`, from: match[1], code: fence.body }];
  });
}

/** Finds the runnable blocks of one Markdown text. */
export function extractBlocks(markdown: string, file: string): DocBlock[] {
  const fences = fencesOf(markdown, file);
  const blocks: DocBlock[] = [];
  fences.forEach((fence, k) => {
    const words = fence.info.split(/\s+/);
    if (!words.includes('runnable')) return;
    if (words[0] !== 'ts' && words[0] !== 'js') {
      throw new Error(`${file}:${fence.line}: a runnable block must be ts or js, got "${fence.info}"`);
    }
    const next = fences[k + 1];
    // The next fenced block, if it is `text output`, is what this one must print.
    const output = next !== undefined && next.info === 'text output' ? next.body : null;
    blocks.push({ where: `${file}:${fence.line}`, lang: words[0], code: fence.body, output });
  });
  return blocks;
}

function docFiles(): string[] {
  const files = ['README.md'];
  for (const pkg of readdirSync(join(root, 'packages')).sort()) {
    if (existsSync(join(root, 'packages', pkg, 'README.md'))) files.push(`packages/${pkg}/README.md`);
  }
  const guide = join(root, 'docs', 'guide');
  if (existsSync(guide)) {
    for (const name of readdirSync(guide).sort()) if (name.endsWith('.md')) files.push(`docs/guide/${name}`);
  }
  return files;
}

const markdown = docFiles().map((file) => [file, readFileSync(join(root, file), 'utf8')] as const);
const blocks = markdown.flatMap(([file, text]) => extractBlocks(text, file));
const quotations = markdown.flatMap(([file, text]) => extractQuotations(text, file));
const dir = mkdtempSync(join(tmpdir(), 'yieldio-doctest-'));
const source = (i: number) => join(dir, `block${i}.${blocks[i].lang}`);
const bundle = (i: number) => join(dir, 'out', `block${i}.mjs`);
blocks.forEach((block, i) => writeFileSync(source(i), block.code));

// `@yieldio/name` and `yieldio` are the packages' TypeScript sources, as in jest: no build.
const yieldioSources: Plugin = {
  name: 'yieldio-sources',
  setup(b) {
    b.onResolve({ filter: /^(@yieldio\/[a-z-]+|yieldio)$/ }, (args) => ({
      path: join(root, 'packages', args.path.replace(/^@yieldio\//, ''), 'src', 'index.ts'),
    }));
    // Core's internal entry (sync, queues, net and sim import it): the same sources.
    b.onResolve({ filter: /^@yieldio\/core\/internal$/ }, () => ({ path: join(root, 'packages', 'core', 'src', 'internal.ts') }));
  },
};

let diagnostics = new Map<string, string[]>();

beforeAll(async () => {
  const tsBlocks = blocks.map((_, i) => i).filter((i) => blocks[i].lang === 'ts');
  const program = ts.createProgram(
    tsBlocks.map(source),
    {
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'],
      module: ts.ModuleKind.Preserve,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      strict: true,
      isolatedModules: true,
      esModuleInterop: true,
      skipLibCheck: true,
      noEmit: true,
      types: ['node'],
      typeRoots: [join(root, 'node_modules', '@types')],
      paths: {
        '@yieldio/core/internal': [join(root, 'packages', 'core', 'src', 'internal.ts')],
        '@yieldio/*': [join(root, 'packages', '*', 'src', 'index.ts')],
        yieldio: [join(root, 'packages', 'yieldio', 'src', 'index.ts')],
      },
    },
  );
  diagnostics = new Map();
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const file = d.file?.fileName ?? '(no file)';
    const at = d.file !== undefined && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : null;
    const text = `${at ? `line ${at.line + 1}: ` : ''}${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    diagnostics.set(file, [...(diagnostics.get(file) ?? []), text]);
  }
  await build({
    entryPoints: blocks.map((_, i) => source(i)),
    outdir: join(dir, 'out'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    plugins: [yieldioSources],
    // A bundled CommonJS dependency may call require(): give the ESM bundle one.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
    logLevel: 'silent',
  });
}, 120000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the docs hold runnable blocks, and the marker is documented in the guide', () => {
  expect(blocks.length).toBeGreaterThan(0);
  const intro = readFileSync(join(root, 'docs', 'guide', '00-introduction.md'), 'utf8');
  expect(intro).toContain('```ts runnable');
  expect(intro).toContain('```text output');
});

test('an output block belongs to the runnable block just before it', () => {
  const md = ['```ts runnable', "console.log('hi');", '```', '', '```text output', 'hi', '```', '', '```ts', 'x', '```'].join('\n');
  expect(extractBlocks(md, 'x.md')).toEqual([{ where: 'x.md:1', lang: 'ts', code: "console.log('hi');\n", output: 'hi\n' }]);
  expect(() => extractBlocks('```sh runnable\nls\n```\n', 'y.md')).toThrow(
    'y.md:1: a runnable block must be ts or js, got "sh runnable"',
  );
});

test('a quotation is found only in the file it names', () => {
  const md = '```js from docs/ladder/01-round-robin.mjs\nclass Loop {\n```\n';
  expect(extractQuotations(md, 'z.md')).toEqual([{ where: 'z.md:1', from: 'docs/ladder/01-round-robin.mjs', code: 'class Loop {\n' }]);
});

test.each(quotations.map((q) => [q.where, q.from, q] as const))('%s is quoted word for word from %s', (_where, from, q) => {
  expect(existsSync(join(root, from))).toBe(true);
  expect(readFileSync(join(root, from), 'utf8')).toContain(q.code);
});

// The guide's relative links (to chapters, examples and source files) must lead somewhere.
const guideFiles = markdown.filter(([file]) => file.startsWith('docs/guide/'));
test.each(guideFiles.map(([file, text]) => [file, text] as const))('%s links only to files that exist', (file, text) => {
  const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]).filter((t) => !/^[a-z]+:/.test(t) && !t.startsWith('#'));
  const broken = targets.filter((t) => !existsSync(join(root, file, '..', t.split('#')[0])));
  // Source files named in code spans, `packages/core/src/task.ts`, are pointers too.
  const named = [...text.matchAll(/`((?:packages|docs|examples)\/[\w./-]+\.(?:ts|mjs|md))`/g)].map((m) => m[1]);
  broken.push(...named.filter((path) => !existsSync(join(root, path))));
  expect(broken).toEqual([]);
});

const run = promisify(execFile);

describe.each(blocks.map((block, i) => [block.where, i] as const))('%s', (_where, i) => {
  const block = blocks[i];
  if (block.lang === 'ts') {
    test('type-checks', () => {
      expect(diagnostics.get(source(i)) ?? []).toEqual([]);
    });
  }
  test(block.output === null ? 'runs' : 'runs and prints its output block', async () => {
    const { stdout } = await run(process.execPath, [bundle(i)], { cwd: root, timeout: 20000 });
    if (block.output !== null) expect(stdout).toBe(block.output);
  }, 30000);
});
