// Every public export of every package has a doc comment that names what it mirrors:
// the asyncio (or Python) name, or, for what asyncio has no counterpart of, says so.
// TypeDoc (`npm run docs`) checks that a comment exists; this test, part of npm test,
// checks that, and what the comment says, so the reference cannot lose a comment
// between two runs of `npm run docs`.
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = join(__dirname, '..', '..');
const packages = readdirSync(join(root, 'packages'))
  .filter((name) => existsSync(join(root, 'packages', name, 'src', 'index.ts')))
  .sort();

/** Words that show a comment says what the export mirrors. */
const MIRRORS = /asyncio|Python|Trio|no asyncio counterpart/;

interface Export {
  name: string;
  where: string;
  doc: string;
}

function publicExports(): Map<string, Export[]> {
  const entries = packages.map((name) => join(root, 'packages', name, 'src', 'index.ts'));
  const program = ts.createProgram(entries, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    typeRoots: [join(root, 'node_modules', '@types')],
    paths: {
      '@yieldio/core/internal': [join(root, 'packages', 'core', 'src', 'internal.ts')],
      '@yieldio/*': [join(root, 'packages', '*', 'src', 'index.ts')],
    },
  });
  const checker = program.getTypeChecker();
  const result = new Map<string, Export[]>();
  packages.forEach((pkg, i) => {
    const module = checker.getSymbolAtLocation(program.getSourceFile(entries[i])!)!;
    const exports = checker.getExportsOfModule(module).map((symbol) => {
      const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
      const declaration = target.declarations?.[0];
      const docs = [
        ts.displayPartsToString(target.getDocumentationComment(checker)),
        // An alias's own comment (`/** ... */ export { x as y }`) counts too.
        ts.displayPartsToString(symbol.getDocumentationComment(checker)),
      ].join('\n');
      const where =
        declaration === undefined
          ? '?'
          : `${relative(root, declaration.getSourceFile().fileName)}:${
              declaration.getSourceFile().getLineAndCharacterOfPosition(declaration.getStart()).line + 1
            }`;
      return { name: symbol.name, where, doc: docs.trim() };
    });
    result.set(pkg, exports);
  });
  return result;
}

const exportsByPackage = publicExports();

test.each(packages)('every public export of @yieldio/%s has a doc comment naming what it mirrors', (pkg) => {
  const exports = exportsByPackage.get(pkg)!;
  expect(exports.length).toBeGreaterThan(0);
  const undocumented = exports.filter((e) => e.doc === '').map((e) => `${e.name} (${e.where})`);
  const unnamed = exports.filter((e) => e.doc !== '' && !MIRRORS.test(e.doc)).map((e) => `${e.name} (${e.where})`);
  expect({ undocumented, unnamed }).toEqual({ undocumented: [], unnamed: [] });
});
