#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! A real LSP client against the real binary: headless Neovim, with the plugin of
//! `editors/neovim` on its runtimepath, opens a policy with a misspelled fact field inside a small
//! project, and the `aims lsp` it starts (this crate's `aims` binary) must publish the
//! "did you mean" diagnostic, answer hover on a control id and on a fact path, and go to a
//! control's definition. A Lua script drives Neovim and writes what the client received as JSON;
//! this test reads it.
//!
//! Without Neovim the test is skipped with a notice, except under CI (env `CI` set), where it
//! fails. `AIMS_NVIM` names the Neovim binary explicitly. Uses only APIs of Neovim 0.7 (Debian).

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Neovim gets this long in all; a hung editor or server fails the test instead of hanging it.
const DEADLINE: Duration = Duration::from_secs(60);
/// Each wait inside Neovim (diagnostics, one request) gets at most this long.
const STEP_TIMEOUT_MS: u64 = 20_000;

const POLICY: &str = "\
/// Every model declares its licence.
control MC-1 \"Model licence declared\" {
  clause \"ISO/IEC 42001:2023 A.8.2\"
  applies_to model_card
  enforce blocking

  require exists(model_card.licence)
    else \"the model card declares no licence\"
  require model_card.license != \"proprietary\"
    else \"proprietary models need legal review\"
}

waiver legal-review {
  control MC-1
  system \"support-bot\"
  reason \"licence under review\"
  approver \"jane@example.com\"
  expires 2027-01-01
}

control MC-2 \"Emissions reported\" {
  applies_to model_card
  require exists(model_card.co2_eq_emissions)
    else \"the model card reports no training emissions\"
}
";

const AIMS_TOML: &str = "\
[project]
name = \"nvim-test\"
policies = [\"policies\"]

[[systems]]
name = \"support-bot\"
risk_tier = \"high\"
facts = [{ path = \"bot/README.md\", kind = \"model_card\" }]
";

/// The support bot's card: a list of numbers where the task goes (W0102 on line 3).
const CARD: &str = "---\nlicense: mit\npipeline_tag: [1, 2]\n---\n# Support bot\n";

/// The Lua side: configuration comes from the JSON file named by `AIMS_NVIM_TEST_CONFIG`.
const SCRIPT: &str = r#"
local cfg = vim.fn.json_decode(table.concat(vim.fn.readfile(os.getenv('AIMS_NVIM_TEST_CONFIG')), '\n'))
local out = { errors = {}, published = {} }

local function save()
  vim.fn.writefile({ vim.fn.json_encode(out) }, cfg.out)
end

-- keep the raw publishDiagnostics notifications too (LSP shape, before vim.diagnostic)
local orig = vim.lsp.handlers['textDocument/publishDiagnostics']
vim.lsp.handlers['textDocument/publishDiagnostics'] = function(err, result, ctx, config)
  if result ~= nil then
    table.insert(out.published, { uri = result.uri, count = #result.diagnostics })
  end
  return orig(err, result, ctx, config)
end

local function request(bufnr, method, line, character)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = line, character = character },
  }
  local resp, err = vim.lsp.buf_request_sync(bufnr, method, params, cfg.timeout_ms)
  local answers = {}
  if resp == nil then
    table.insert(out.errors, method .. ': ' .. tostring(err))
    return answers
  end
  for _, r in pairs(resp) do
    table.insert(answers, { result = r.result, error = r.error or r.err })
  end
  return answers
end

local function main()
  -- the plugin directory went on the runtimepath with --cmd, before startup loaded the filetype
  -- detection scripts (ftdetect/*) of the runtimepath, as for an installed plugin
  vim.cmd('filetype plugin on')
  vim.cmd('syntax on')
  out.has_lsp_start = vim.lsp.start ~= nil
  out.nvim_version = vim.version()
  -- a fixed today, as `aims check --today`: the waiver's expiry is then no notice
  require('aims').setup({ cmd = { cfg.aims, 'lsp' }, init_options = { today = '2026-11-24' } })
  vim.cmd('edit ' .. vim.fn.fnameescape(cfg.file))
  local bufnr = vim.api.nvim_get_current_buf()
  out.filetype = vim.bo[bufnr].filetype
  out.syntax = vim.bo[bufnr].syntax

  out.got_diagnostics = vim.wait(cfg.timeout_ms, function()
    return #vim.diagnostic.get(bufnr) > 0
  end, 50)
  out.diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(out.diagnostics, {
      lnum = d.lnum, col = d.col, end_col = d.end_col, severity = d.severity,
      message = d.message, code = d.code, source = d.source,
    })
  end

  out.clients = {}
  for _, c in pairs(vim.lsp.buf_get_clients(bufnr)) do
    table.insert(out.clients, {
      name = c.name,
      root_dir = c.config.root_dir,
      hover = c.server_capabilities.hoverProvider and true or false,
      definition = c.server_capabilities.definitionProvider and true or false,
    })
  end

  out.hover_control = request(bufnr, 'textDocument/hover', cfg.hover_control[1], cfg.hover_control[2])
  out.hover_fact = request(bufnr, 'textDocument/hover', cfg.hover_fact[1], cfg.hover_fact[2])
  out.definition = request(bufnr, 'textDocument/definition', cfg.definition[1], cfg.definition[2])
  out.completion = request(bufnr, 'textDocument/completion', cfg.completion[1], cfg.completion[2])
  out.omnifunc = vim.bo[bufnr].omnifunc
  local lens = vim.lsp.buf_request_sync(bufnr, 'textDocument/codeLens',
    { textDocument = { uri = vim.uri_from_bufnr(bufnr) } }, cfg.timeout_ms)
  out.codelens = {}
  for _, r in pairs(lens or {}) do
    for _, l in ipairs(r.result or {}) do
      table.insert(out.codelens, { line = l.range.start.line, title = l.command.title })
    end
  end

  -- a card of the project: attached by filetype, its load diagnostics published
  vim.cmd('edit ' .. vim.fn.fnameescape(cfg.card))
  local card = vim.api.nvim_get_current_buf()
  out.card_filetype = vim.bo[card].filetype
  out.card_got_diagnostics = vim.wait(cfg.timeout_ms, function()
    return #vim.diagnostic.get(card) > 0
  end, 50)
  out.card_diagnostics = {}
  for _, d in ipairs(vim.diagnostic.get(card)) do
    table.insert(out.card_diagnostics, { lnum = d.lnum, message = d.message, code = d.code })
  end

  vim.lsp.stop_client(vim.lsp.get_active_clients())
  out.stopped = vim.wait(5000, function()
    return #vim.lsp.get_active_clients() == 0
  end, 50)
end

local ok, err = xpcall(main, debug.traceback)
if not ok then
  table.insert(out.errors, tostring(err))
end
save()
vim.cmd('qall!')
"#;

fn find_nvim() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("AIMS_NVIM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("nvim"))
        .find(|candidate| candidate.is_file())
}

/// 0-based line and column of the `nth` occurrence of `needle` in `text` (ASCII text).
fn find(text: &str, needle: &str, nth: usize) -> (usize, usize) {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("no occurrence {nth} of {needle:?}"))
        .0;
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let col = offset - before.rfind('\n').map_or(0, |i| i + 1);
    (line, col)
}

/// Run Neovim with the time limit; returns its stdout+stderr for messages.
fn run_nvim(nvim: &Path, dir: &Path, plugin_dir: &Path, script: &Path, config: &Path) -> String {
    let mut cmd = Command::new(nvim);
    cmd.args(["--headless", "--clean", "-u", "NONE", "-i", "NONE", "-n"])
        .arg("--cmd")
        .arg("lua vim.opt.runtimepath:prepend(os.getenv('AIMS_NVIM_PLUGIN_DIR'))")
        .arg("-c")
        .arg(format!("luafile {}", script.display()))
        .current_dir(dir)
        .env("AIMS_NVIM_TEST_CONFIG", config)
        .env("AIMS_NVIM_PLUGIN_DIR", plugin_dir)
        // keep Neovim's state, cache (lsp.log) and config inside the temp dir
        .env("XDG_CONFIG_HOME", dir.join("xdg/config"))
        .env("XDG_DATA_HOME", dir.join("xdg/data"))
        .env("XDG_STATE_HOME", dir.join("xdg/state"))
        .env("XDG_CACHE_HOME", dir.join("xdg/cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", nvim.display()));
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let t_out = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut v).ok();
        v
    });
    let t_err = std::thread::spawn(move || {
        let mut v = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut v).ok();
        v
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > DEADLINE {
            child.kill().ok();
            child.wait().ok();
            // the pipes may be held open by a surviving grandchild; don't join the readers
            panic!("Neovim did not finish within {DEADLINE:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut log = String::from_utf8_lossy(&t_out.join().unwrap()).into_owned();
    log.push_str(&String::from_utf8_lossy(&t_err.join().unwrap()));
    assert!(status.success(), "Neovim exited with {status}: {log}");
    log
}

fn hover_text(answers: &Value) -> String {
    let answers = answers.as_array().expect("hover answers");
    assert_eq!(answers.len(), 1, "one client answers: {answers:?}");
    let contents = &answers[0]["result"]["contents"];
    contents["value"]
        .as_str()
        .unwrap_or_else(|| panic!("hover has markup contents: {answers:?}"))
        .to_string()
}

#[test]
#[cfg_attr(
    not(any(aims_has_nvim, aims_ci)),
    ignore = "no `nvim` on PATH when built (install Debian's neovim package)"
)]
fn neovim_gets_diagnostics_hover_and_definition_from_aims_lsp() {
    let Some(nvim) = find_nvim() else {
        if std::env::var_os("CI").is_some() {
            panic!("nvim not found on PATH: install Debian's neovim package (or set AIMS_NVIM)");
        }
        eprintln!("SKIPPED neovim_gets_diagnostics_hover_and_definition_from_aims_lsp: no `nvim` on PATH (install Debian's neovim package)");
        return;
    };

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("policies")).unwrap();
    std::fs::write(root.join("aims.toml"), AIMS_TOML).unwrap();
    let policy = root.join("policies/x.aims");
    std::fs::write(&policy, POLICY).unwrap();
    std::fs::create_dir_all(root.join("bot")).unwrap();
    let card = root.join("bot/README.md");
    std::fs::write(&card, CARD).unwrap();
    let script = root.join("test.lua");
    std::fs::write(&script, SCRIPT).unwrap();
    let out_path = root.join("out.json");
    let plugin_dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../editors/neovim")
        .canonicalize()
        .expect("editors/neovim exists");

    let (hc_line, hc_col) = find(POLICY, "MC-1", 1); // `control MC-1` in the waiver
    let (hf_line, hf_col) = find(POLICY, "license", 0); // `model_card.license`
    let config = json!({
        "aims": env!("CARGO_BIN_EXE_aims"),
        "file": policy,
        "card": card,
        "out": out_path,
        "timeout_ms": STEP_TIMEOUT_MS,
        "hover_control": [hc_line, hc_col + 1],
        "hover_fact": [hf_line, hf_col + 2],
        "definition": [hc_line, hc_col],
        "completion": [hf_line, hf_col],
    });
    let config_path = root.join("config.json");
    std::fs::write(&config_path, config.to_string()).unwrap();

    let log = run_nvim(&nvim, &root, &plugin_dir, &script, &config_path);
    let raw = std::fs::read_to_string(&out_path)
        .unwrap_or_else(|e| panic!("the Lua script wrote no result ({e}); Neovim said: {log}"));
    let out: Value = serde_json::from_str(&raw).unwrap();
    assert_eq!(out["errors"], json!([]), "{out:#}\n{log}");

    // a code lens on each control with its verdicts over the systems (MC-2: the card has no
    // emissions)
    let (mc2_line, _) = find(POLICY, "control MC-2", 0);
    assert!(
        out["codelens"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["line"] == mc2_line
                && l["title"] == "0 pass · 1 fail · 0 waived · 0 n/a · 0 error"),
        "{out:#}"
    );

    // the card, attached by its filetype, shows the diagnostic `aims check` gives for it
    assert_eq!(out["card_filetype"], "markdown", "{out:#}");
    assert_eq!(out["card_got_diagnostics"], true, "{out:#}\n{log}");
    let card_diags = out["card_diagnostics"].as_array().unwrap();
    // and the control it fails, named, where the card starts (the fact is missing)
    assert!(
        card_diags.iter().any(|d| d["code"] == "MC-2"
            && d["lnum"] == 0
            && d["message"]
                .as_str()
                .unwrap()
                .contains("no training emissions")),
        "{out:#}"
    );
    assert!(
        card_diags.iter().any(|d| d["code"] == "W0102"
            && d["lnum"] == 2
            && d["message"].as_str().unwrap().contains("pipeline_tag")),
        "{out:#}"
    );

    // the plugin's ftdetect, syntax and setup() worked
    assert_eq!(out["filetype"], "aims", "{out:#}");
    assert_eq!(out["syntax"], "aims", "{out:#}");
    let clients = out["clients"].as_array().unwrap();
    assert_eq!(clients.len(), 1, "{out:#}");
    assert_eq!(clients[0]["name"], "aims");
    assert_eq!(
        clients[0]["root_dir"],
        root.to_str().unwrap(),
        "project root"
    );
    assert_eq!(clients[0]["hover"], true);
    assert_eq!(clients[0]["definition"], true);

    // diagnostics: the misspelled field, where it is, with its code
    assert_eq!(
        out["got_diagnostics"], true,
        "no diagnostics: {out:#}\n{log}"
    );
    let diags = out["diagnostics"].as_array().unwrap();
    let licence = diags
        .iter()
        .find(|d| d["message"].as_str().unwrap_or("").contains("licence"))
        .unwrap_or_else(|| panic!("no diagnostic about `licence`: {diags:#?}"));
    let (l, col) = find(POLICY, "licence)", 0);
    assert_eq!(licence["code"], "E0207", "{licence}");
    assert_eq!(licence["source"], "aims");
    assert_eq!(licence["severity"], 1, "error severity: {licence}");
    assert_eq!(licence["lnum"], l, "{licence}");
    assert_eq!(licence["col"], col, "{licence}");
    assert_eq!(licence["end_col"], col + "licence".len(), "{licence}");
    assert!(
        licence["message"]
            .as_str()
            .unwrap()
            .contains("did you mean `license`"),
        "{licence}"
    );
    // only that mistake: the correct field and the waiver check clean
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let published = out["published"].as_array().unwrap();
    assert!(!published.is_empty(), "{out:#}");

    // hover on the control id in the waiver: the control's title, clause and enforcement
    let text = hover_text(&out["hover_control"]);
    assert!(text.contains("control `MC-1`"), "{text}");
    assert!(text.contains("Model licence declared"), "{text}");
    assert!(text.contains("ISO/IEC 42001:2023 A.8.2"), "{text}");
    assert!(text.contains("enforcement: **blocking**"), "{text}");

    // hover on a fact path: the schema field
    let text = hover_text(&out["hover_fact"]);
    assert!(text.contains("model_card.license"), "{text}");

    // definition: the waiver's control reference jumps to the control
    let defs = out["definition"].as_array().unwrap();
    assert_eq!(defs.len(), 1, "{defs:?}");
    let target = &defs[0]["result"];
    let target = if target.is_array() {
        &target[0]
    } else {
        target
    };
    let (dl, dc) = find(POLICY, "MC-1", 0);
    assert!(
        target["uri"]
            .as_str()
            .unwrap()
            .ends_with("/policies/x.aims"),
        "{target}"
    );
    assert_eq!(target["range"]["start"]["line"], dl, "{target}");
    assert_eq!(target["range"]["start"]["character"], dc, "{target}");

    // completion after `model_card.`: the schema's fields
    let answers = out["completion"].as_array().unwrap();
    assert_eq!(answers.len(), 1, "{answers:?}");
    let result = &answers[0]["result"];
    let items = result["items"].as_array().or(result.as_array()).unwrap();
    let labels: Vec<&str> = items.iter().filter_map(|i| i["label"].as_str()).collect();
    assert!(labels.contains(&"license"), "{labels:?}");
    assert!(!labels.contains(&"licence"), "{labels:?}");
    assert_eq!(out["omnifunc"], "v:lua.vim.lsp.omnifunc");

    // the client shut the server down cleanly before Neovim quit
    assert_eq!(out["stopped"], true, "{out:#}");
}
