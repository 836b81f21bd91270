/**
 * The replicated key-value example (examples/replicated-kv.mjs) runs, under simulate()
 * with partitions and a crash for three seeds and for real on loopback, and its
 * invariant holds in every run. It is bundled from the packages' sources, so no build is
 * needed first.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { runProgram } from '../packages/net/test/helpers';

it('the replicated key-value example keeps its invariant, simulated and real', async () => {
  const root = join(__dirname, '..');
  const dir = mkdtempSync(join(tmpdir(), 'yieldio-kv-'));
  try {
    const outfile = join(dir, 'kv.mjs');
    buildSync({
      stdin: { contents: readFileSync(join(root, 'examples', 'replicated-kv.mjs'), 'utf8'), loader: 'js', resolveDir: join(root, 'examples') },
      alias: {
        ...Object.fromEntries(['core', 'net', 'sim'].map((p) => [`@yieldio/${p}`, join(root, 'packages', p, 'src', 'index.ts')])),
        '@yieldio/core/internal': join(root, 'packages', 'core', 'src', 'internal.ts'),
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      outfile,
      logLevel: 'silent',
    });
    const outcome = await runProgram(outfile, [], 30_000);
    expect(outcome.stderr).toBe('');
    const lines = outcome.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    for (const line of lines) expect(line).toMatch(/replicas agree: true, acknowledged writes lost: 0 .*OK$/);
    expect(outcome.code).toBe(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
