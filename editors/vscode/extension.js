// The aims extension for VS Code: starts `aims lsp` (the language server built into the `aims`
// binary) over stdio and connects it to every `*.aims` file. Plain JavaScript, no build step.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");
const { execFile } = require("child_process");
const fs = require("fs");
const path = require("path");
const { yamlSchemas } = require("./schemas.js");

/** @type {LanguageClient | undefined} */
let client;

function serverPath() {
  const configured = vscode.workspace.getConfiguration("aims").get("path");
  return typeof configured === "string" && configured.trim() !== "" ? configured.trim() : "aims";
}

function bookUrl() {
  const configured = vscode.workspace.getConfiguration("aims").get("bookUrl");
  return typeof configured === "string" ? configured.trim() : "";
}

/** The folder of the nearest aims.toml to the active file (or the first workspace folder). */
async function projectFolder() {
  const editor = vscode.window.activeTextEditor;
  let cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (editor && editor.document.uri.scheme === "file") {
    const folder = vscode.workspace.getWorkspaceFolder(editor.document.uri);
    const found = await vscode.workspace.findFiles(
      new vscode.RelativePattern(folder ?? editor.document.uri, "**/aims.toml"),
      "**/{node_modules,target,.git}/**",
      50
    );
    const file = editor.document.uri.fsPath;
    // the deepest project folder that contains the file
    const containing = found
      .map((u) => u.fsPath.replace(/[\\/]aims\.toml$/, ""))
      .filter((dir) => file.startsWith(dir))
      .sort((a, b) => b.length - a.length);
    if (containing.length > 0) {
      cwd = containing[0];
    }
  }
  return cwd;
}

/** Run `aims <subcommand>` in a terminal at the folder of the nearest aims.toml (or the workspace). */
async function runInTerminal(subcommand) {
  const cwd = await projectFolder();
  const terminal = vscode.window.createTerminal({ name: `aims ${subcommand}`, cwd });
  terminal.show();
  terminal.sendText(`${JSON.stringify(serverPath())} ${subcommand}`);
}

function createClient() {
  const command = serverPath();
  const executable = { command, args: ["lsp"], transport: TransportKind.stdio };
  const serverOptions = { run: executable, debug: executable };
  const clientOptions = {
    // Policies, and the cards and records a project declares: the server publishes the
    // diagnostics of loading those (other YAML, JSON and Markdown files get none).
    documentSelector: [
      { scheme: "file", language: "aims" },
      { scheme: "file", language: "yaml" },
      { scheme: "file", language: "json" },
      { scheme: "file", language: "markdown" },
      { scheme: "file", language: "toml" },
    ],
    synchronize: {
      // The server reads aims.toml to find the project and its policy files; a renamed system
      // or a new policy folder in aims.toml is seen without a restart,
      // and the cards and records: a change on disk re-counts the controls' verdicts
      fileEvents: vscode.workspace.createFileSystemWatcher(
        "**/{aims.toml,*.aims,*.md,*.yaml,*.yml,*.json,*.toml}"
      ),
    },
    // Diagnostic codes link to their entry in the book's error index when the book's address
    // is set.
    initializationOptions: { bookUrl: bookUrl() },
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

/**
 * Export the project's fact schemas (`aims schema export --output .aims/schemas`) and map each
 * to the project's YAML files of its kind in the YAML extension's `yaml.schemas` (workspace
 * settings), so records are checked as they are typed.
 */
async function associateSchemas() {
  const project = await projectFolder();
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!project || !workspace) {
    vscode.window.showErrorMessage("aims: open a folder with an aims.toml first");
    return;
  }
  const out = path.join(project, ".aims", "schemas");
  try {
    await new Promise((resolve, reject) =>
      execFile(serverPath(), ["schema", "export", "--project", project, "--output", out], (err, _stdout, stderr) =>
        err ? reject(new Error(stderr || err.message)) : resolve(undefined)
      )
    );
    const associations = JSON.parse(fs.readFileSync(path.join(out, "associations.json"), "utf8"));
    const config = vscode.workspace.getConfiguration("yaml");
    const merged = yamlSchemas(associations, workspace, project, out, config.get("schemas") ?? {});
    await config.update("schemas", merged, vscode.ConfigurationTarget.Workspace);
    vscode.window.showInformationMessage(
      `aims: ${Object.keys(associations).length} fact schemas mapped in yaml.schemas ` +
        "(the YAML extension, redhat.vscode-yaml, checks the files)"
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    vscode.window.showErrorMessage(`aims: cannot export the fact schemas: ${message}`);
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
    vscode.commands.registerCommand("aims.check", () => runInTerminal("check")),
    vscode.commands.registerCommand("aims.test", () => runInTerminal("test")),
    vscode.commands.registerCommand("aims.associateSchemas", associateSchemas),
    vscode.commands.registerCommand("aims.restartServer", async () => {
      await stop();
      await start();
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration("aims.path") || e.affectsConfiguration("aims.bookUrl")) {
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
