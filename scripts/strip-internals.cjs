// Drops yieldio's internals from a package's emitted declarations (dist/*.d.ts), so that
// a user's editor and `tsc` see the public API only.
//
// The mark is the name, as in asyncio and in the API reference (typedoc-internals.mjs):
// a member of a class, interface or object type whose name starts with `_` (`_ready`,
// `_step`, `_futWaiter`) is internal. Modules of one package reach each other's
// internals from the sources; sibling packages reach core's through the functions of
// `@yieldio/core/internal` (src/internal.ts), whose signatures name public types only,
// so the stripped declarations still describe everything that entry returns.
// Rejected: `/** @internal */` on each member with tsc's `stripInternal`: ~170 comments
// saying what the underscore already says, and one forgotten comment leaks a member.
'use strict';
const { readdirSync, readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const ts = require('typescript');

const MEMBER_KINDS = new Set([
  ts.SyntaxKind.PropertyDeclaration,
  ts.SyntaxKind.MethodDeclaration,
  ts.SyntaxKind.GetAccessor,
  ts.SyntaxKind.SetAccessor,
  ts.SyntaxKind.PropertySignature,
  ts.SyntaxKind.MethodSignature,
]);

/** The underscore members of one declaration file: [name, start, end] of each, in order. */
function internalMembers(text, fileName = 'x.d.ts') {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found = [];
  const visit = (node) => {
    if (MEMBER_KINDS.has(node.kind) && node.name && ts.isIdentifier(node.name) && node.name.text.startsWith('_')) {
      // getFullStart takes the member's doc comment and indentation along.
      found.push([node.name.text, node.getFullStart(), node.getEnd()]);
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `text` without its underscore members. */
function stripText(text, fileName) {
  let out = text;
  for (const [, start, end] of internalMembers(text, fileName).reverse()) out = out.slice(0, start) + out.slice(end);
  return out;
}

/** Strip every .d.ts file under `dir` in place; returns how many members went. */
function stripDeclarations(dir) {
  let count = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
    const file = join(entry.parentPath ?? entry.path, entry.name);
    const text = readFileSync(file, 'utf8');
    const members = internalMembers(text, file);
    if (members.length === 0) continue;
    writeFileSync(file, stripText(text, file));
    count += members.length;
  }
  return count;
}

module.exports = { internalMembers, stripText, stripDeclarations };
