// The aims extension for VS Code: starts `aims lsp` (the language server built into the `aims`
// binary) over stdio and connects it to every `*.aims` file. Plain JavaScript, no build step.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

/** @type {LanguageClient | undefined} */
let client;

function serverPath() {
  const configured = vscode.workspace.getConfiguration("aims").get("path");
  return typeof configured === "string" && configured.trim() !== "" ? configured.trim() : "aims";
}

function createClient() {
  const command = serverPath();
  const executable = { command, args: ["lsp"], transport: TransportKind.stdio };
  const serverOptions = { run: executable, debug: executable };
  const clientOptions = {
    documentSelector: [{ scheme: "file", language: "aims" }],
    synchronize: {
      // The server reads aims.toml to find the project and its policy files.
      fileEvents: vscode.workspace.createFileSystemWatcher("**/{aims.toml,*.aims}"),
    },
    outputChannelName: "aims",
  };
  return new LanguageClient("aims", "aims language server", serverOptions, clientOptions);
}

async function start() {
  client = createClient();
  try {
    await client.start();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const choice = await vscode.window.showErrorMessage(
      `aims: cannot start the language server with \`${serverPath()} lsp\`: ${message}. ` +
        "Install aims or set `aims.path` to the aims executable.",
      "Open settings"
    );
    if (choice === "Open settings") {
      await vscode.commands.executeCommand("workbench.action.openSettings", "aims.path");
    }
  }
}

async function stop() {
  if (client) {
    const c = client;
    client = undefined;
    try {
      await c.stop();
    } catch (_err) {
      // the server may already be gone
    }
  }
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("aims.restartServer", async () => {
      await stop();
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("aims.path")) {
        await stop();
        await start();
      }
    })
  );
  await start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
