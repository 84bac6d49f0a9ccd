#!/usr/bin/env node
// Tokenises .journey files with editors/journey.tmLanguage.json, using the engine VS Code uses
// (vscode-textmate on vscode-oniguruma), and fails when a keyword is not highlighted.
//
//   node editors/test/tokenize.js                  every example, every pass, fmt and build fixture,
//                                                  names.journey, and (check 1 only) the fail fixtures
//   node editors/test/tokenize.js FILE...          only these files
//   node editors/test/tokenize.js --expect J.json  also check the exact positions in J.json
//
// Checks, outside comments, strings and numbers:
//   1. every reserved word (keywords.json `reserved`, the pest rule `keyword`) has a keyword
//      scope (`keyword.*`; `constant.language.*` for true/false; `variable.language.event` for
//      the `event` of `event.FIELD`);
//   2. no contextual keyword (keywords.json `contextual`) is left without any scope;
//   3. on the default corpus, every word of keywords.json is highlighted as a keyword at least
//      once, so a keyword the grammar never scopes cannot hide behind a missing example;
//   4. every file ends with every region closed (a string, comment or block left open means
//      the grammar lost its way);
// The fail fixtures (files with errors, some that do not parse) get check 1 only: even in a
// broken file a reserved word looks like a keyword.
//   5. with --expect: the file written by tests/editor_grammar.rs lists, from the real parser,
//      every word that the grammar reads as a keyword and every word it reads as a name; the
//      first must have a keyword scope and the second must not.
// Exits 1 with FILE:LINE:COL and the token for every failure.
'use strict';

const fs = require('fs');
const path = require('path');
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const ROOT = path.resolve(__dirname, '..', '..');
const GRAMMAR = path.join(ROOT, 'editors', 'journey.tmLanguage.json');
const KEYWORDS = JSON.parse(fs.readFileSync(path.join(__dirname, 'keywords.json'), 'utf8'));
const RESERVED = new Set(KEYWORDS.reserved);
const CONTEXTUAL = new Set(KEYWORDS.contextual);

/** The default files: `{ file, broken }`, `broken` for the fail fixtures. */
function corpus() {
  const files = [];
  let broken = false;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.journey')) files.push({ file: p, broken });
    }
  };
  walk(path.join(ROOT, 'examples'));
  walk(path.join(ROOT, 'tests', 'fixtures', 'pass'));
  walk(path.join(ROOT, 'tests', 'fixtures', 'fmt'));
  walk(path.join(ROOT, 'tests', 'fixtures', 'build'));
  // Contextual keywords used as names, where they must not look like keywords.
  files.push({ file: path.join(__dirname, 'names.journey'), broken });
  broken = true;
  walk(path.join(ROOT, 'tests', 'fixtures', 'fail'));
  walk(path.join(ROOT, 'tests', 'fixtures', 'ci'));
  return files.sort((a, b) => a.file.localeCompare(b.file));
}

async function loadGrammar() {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (s) => new oniguruma.OnigString(s),
    }),
    loadGrammar: async (scopeName) =>
      scopeName === 'source.journey'
        ? vsctm.parseRawGrammar(fs.readFileSync(GRAMMAR, 'utf8'), GRAMMAR)
        : null,
  });
  const grammar = await registry.loadGrammar('source.journey');
  if (!grammar) throw new Error(`${GRAMMAR}: no grammar with scopeName source.journey`);
  return grammar;
}

/** Whether `word` with these scopes is highlighted as a keyword. */
function isKeywordScoped(word, scopes) {
  return scopes.some(
    (s) =>
      s.startsWith('keyword.') ||
      ((word === 'true' || word === 'false') && s.startsWith('constant.language.')) ||
      (word === 'event' && s.startsWith('variable.language.event')),
  );
}

/** Whether the scopes say nothing about the text (only the file's scope and `meta.*` regions). */
function isUnscoped(scopes) {
  return scopes.every((s) => s === 'source.journey' || s.startsWith('meta.'));
}

function isInert(scopes) {
  return scopes.some(
    (s) => s.startsWith('comment.') || s.startsWith('string.') || s.startsWith('constant.numeric.'),
  );
}

/**
 * Tokenises one file: for every line, its text and tokens; and whether every region closed. A
 * body-less item at the end of a file (`event e`) waits for the next text to end, so the check
 * tokenises one more line holding the start of an item after the file.
 */
function tokenizeFile(grammar, text) {
  const lines = text.split(/\r?\n/);
  let stack = vsctm.INITIAL;
  const out = [];
  for (const line of lines) {
    const r = grammar.tokenizeLine(line, stack);
    out.push({ line, tokens: r.tokens });
    stack = r.ruleStack;
  }
  const after = grammar.tokenizeLine('import', stack).ruleStack;
  return { lines: out, closed: after.depth === 1 };
}

function tokenAt(tokens, col) {
  return tokens.find((t) => t.startIndex <= col && col < t.endIndex);
}

async function main() {
  const args = process.argv.slice(2);
  let expectFile = null;
  const files = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--expect') expectFile = args[++i];
    else files.push(path.resolve(args[i]));
  }
  const defaultCorpus = files.length === 0;
  const jobs = defaultCorpus ? corpus() : files.map((file) => ({ file, broken: false }));
  const expected = expectFile ? JSON.parse(fs.readFileSync(expectFile, 'utf8')) : null;

  const started = Date.now();
  const grammar = await loadGrammar();
  const failures = [];
  const highlighted = new Set();
  let lineCount = 0;
  let wordCount = 0;

  for (const { file, broken } of jobs) {
    const rel = path.relative(ROOT, file).split(path.sep).join('/');
    const { lines, closed } = tokenizeFile(grammar, fs.readFileSync(file, 'utf8'));
    lineCount += lines.length;
    const fail = (ln, col, msg) => failures.push(`${rel}:${ln + 1}:${col + 1}: ${msg}`);
    if (!closed && !broken) fail(lines.length - 1, 0, 'a region (string, comment, block) is still open at the end of the file');

    lines.forEach(({ line, tokens }, ln) => {
      for (const w of line.matchAll(/(?<![A-Za-z0-9_])[A-Za-z_][A-Za-z0-9_]*/g)) {
        const word = w[0];
        const col = w.index;
        const tok = tokenAt(tokens, col);
        const scopes = tok ? tok.scopes : ['source.journey'];
        if (isInert(scopes)) continue;
        wordCount++;
        const shown = `\`${word}\` (scopes: ${scopes.join(' ')})`;
        if (tok && tok.endIndex < col + word.length) {
          fail(ln, col, `${shown} is cut in two tokens`);
          continue;
        }
        const kw = isKeywordScoped(word, scopes);
        if (RESERVED.has(word) && !kw) fail(ln, col, `reserved word ${shown} has no keyword scope`);
        if (broken) continue;
        if (kw) highlighted.add(word);
        if (CONTEXTUAL.has(word) && isUnscoped(scopes)) fail(ln, col, `keyword ${shown} is unscoped`);
      }
    });

    if (expected && !broken) {
      for (const [line, col, word, kind] of expected.files[rel] || []) {
        const l = lines[line - 1];
        const tok = l && tokenAt(l.tokens, col - 1);
        const scopes = tok ? tok.scopes : [];
        const shown = `\`${word}\` (scopes: ${scopes.join(' ')})`;
        if (!l || l.line.substr(col - 1, word.length) !== word) {
          fail(line - 1, col - 1, `expected \`${word}\` here: the --expect file does not match the source`);
        } else if (kind === 'keyword' && !isKeywordScoped(word, scopes)) {
          fail(line - 1, col - 1, `the parser reads ${shown} as a keyword; the grammar does not`);
        } else if (kind === 'name' && isKeywordScoped(word, scopes)) {
          fail(line - 1, col - 1, `the parser reads ${shown} as a name; the grammar highlights it as a keyword`);
        }
      }
      if (!(rel in expected.files)) failures.push(`${rel}: not in the --expect file`);
    }
  }

  if (defaultCorpus) {
    for (const word of [...RESERVED, ...CONTEXTUAL].sort()) {
      if (!highlighted.has(word)) {
        failures.push(`keyword \`${word}\` is never highlighted as a keyword in the examples and fixtures`);
      }
    }
  }

  const ms = Date.now() - started;
  if (failures.length > 0) {
    for (const f of failures) console.error(f);
    console.error(`editor grammar: ${failures.length} problem(s) in ${jobs.length} file(s)`);
    process.exit(1);
  }
  console.log(
    `editor grammar: ${jobs.length} files, ${lineCount} lines, ${wordCount} words checked` +
      `${expected ? ' against the parser' : ''}, all keywords highlighted (${ms} ms)`,
  );
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
