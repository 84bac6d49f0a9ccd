// The Journey extension: highlighting comes from syntaxes/journey.tmLanguage.json (declared in
// package.json); this file starts the language server, `journeyc lsp`, over stdin and stdout.
'use strict';

const vscode = require('vscode');
const { LanguageClient, State } = require('vscode-languageclient/node');

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel | undefined} */
let output;

function serverPath() {
  const configured = vscode.workspace.getConfiguration('journey').get('server.path');
  return typeof configured === 'string' ? configured.trim() : 'journeyc';
}

async function start() {
  const command = serverPath();
  if (command === '') {
    output.appendLine('journey.server.path is empty: the language server is off.');
    return;
  }
  // No `transport` on purpose: the server is spawned as `journeyc lsp` and speaks on stdio.
  const serverOptions = { command, args: ['lsp'] };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'journey' },
      { scheme: 'untitled', language: 'journey' },
    ],
    outputChannel: output,
    // No `synchronize.fileEvents`: the server registers its own watcher for `**/*.journey`
    // (imported files change what a file means), as the protocol has servers do; a second
    // watcher here would send every change twice.
  };
  client = new LanguageClient('journey', 'Journey language server', serverOptions, clientOptions);
  try {
    await client.start();
  } catch (err) {
    client = undefined;
    const message =
      `Journey: could not start the language server \`${command} lsp\` (${err && err.message ? err.message : err}). ` +
      'Install a journeyc that has the `lsp` command (`cargo install --path . --locked` in its checkout) ' +
      'or set `journey.server.path`.';
    const choice = await vscode.window.showErrorMessage(message, 'Open Settings');
    if (choice === 'Open Settings') {
      vscode.commands.executeCommand('workbench.action.openSettings', 'journey.server.path');
    }
  }
}

async function stop() {
  const running = client;
  client = undefined;
  if (running && running.state !== State.Stopped) {
    await running.stop();
  }
}

async function restart() {
  await stop();
  await start();
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  output = vscode.window.createOutputChannel('Journey language server');
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('journey.restartServer', restart),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('journey.server.path')) restart();
    }),
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
