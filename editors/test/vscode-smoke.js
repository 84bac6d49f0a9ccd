#!/usr/bin/env node
// Activates the VS Code extension (editors/vscode/extension.js) outside VS Code, with a stand-in
// for the `vscode` module, and checks that it starts the language server and completes the LSP
// handshake with it, then stops it. A manual check, not part of CI (it needs the extension's
// packages and a journeyc that has the `lsp` command):
//
//   npm install --prefix editors/vscode
//   node editors/test/vscode-smoke.js [PATH_TO_JOURNEYC]     (default: journeyc on PATH)
//
// The stand-in answers every other API call with an inert object, so this proves the wiring
// (server path setting, `journeyc lsp` on stdio, start and stop), not the editor features.
'use strict';

const Module = require('module');
const path = require('path');

const serverPath = process.argv[2] ? path.resolve(process.argv[2]) : 'journeyc';
const errors = [];

/** An object that accepts any property access, call or `new`, and is not a promise. */
function inert(name) {
  return new Proxy(function () {}, {
    get(_target, prop) {
      if (prop === 'then') return undefined;
      if (prop === Symbol.toPrimitive) return () => name;
      if (prop === Symbol.iterator) return function* () {};
      return inert(`${name}.${String(prop)}`);
    },
    apply: () => inert(`${name}()`),
    construct: () => inert(`new ${name}`),
  });
}

const base = inert('vscode');
const vscode = new Proxy(
  {},
  {
    get(_target, prop) {
      if (prop === 'version') return '1.95.0';
      if (prop === 'window') {
        return new Proxy(
          {},
          {
            get: (_t, p) =>
              p === 'showErrorMessage'
                ? (message) => {
                    errors.push(message);
                    return Promise.resolve(undefined);
                  }
                : base.window[p],
          },
        );
      }
      if (prop === 'workspace') {
        return new Proxy(
          {},
          {
            get(_t, p) {
              if (p === 'getConfiguration') {
                return () => ({ get: (key) => (key === 'server.path' ? serverPath : undefined) });
              }
              if (p === 'workspaceFolders') return undefined;
              if (p === 'textDocuments') return [];
              return base.workspace[p];
            },
          },
        );
      }
      return base[prop];
    },
  },
);

const load = Module._load;
Module._load = function (request, ...rest) {
  return request === 'vscode' ? vscode : load.call(this, request, ...rest);
};

async function main() {
  const timer = setTimeout(() => {
    console.error('vscode smoke: no answer from the server within 20 s');
    process.exit(1);
  }, 20000);
  const extension = require(path.join(__dirname, '..', 'vscode', 'extension.js'));
  await extension.activate({ subscriptions: [] });
  await extension.deactivate();
  clearTimeout(timer);
  if (errors.length > 0) {
    console.error(`vscode smoke: the extension reported:\n  ${errors.join('\n  ')}`);
    process.exit(1);
  }
  console.log(`vscode smoke: the extension started \`${serverPath} lsp\`, initialised it and stopped it`);
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
