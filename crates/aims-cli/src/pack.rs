//! `aims report --evidence-pack OUT [--sign KEY]` and `aims verify PACK [--key PUBKEY]`: the
//! process side (which files, git, keys on disk, exit codes) of [`aims_report::evidence_pack`].
//!
//! Exit codes of `aims verify`: 0 the pack verifies (every digest; the signature too when a key
//! is given), 1 it does not (a file changed, is missing or was added: `E0540`; the signature is
//! not valid or missing: `E0541`), 2 the pack or the key cannot be read (`E0543`, `E0542`).

use std::path::{Path, PathBuf};

use aims_report::evidence_pack::{self as ep, PackFile, SigningKey};

use crate::{usage, EXIT_FAIL, EXIT_INPUT};

use aims::{E_PACK_CHANGED, E_PACK_KEY, E_PACK_SIGNATURE, E_PACK_UNREADABLE};

fn fail(code: &str, msg: String) -> u8 {
    eprintln!("error[{code}]: {msg}");
    EXIT_INPUT
}

/// The Ed25519 private key of `--sign`.
pub fn signing_key(path: &Path) -> Result<SigningKey, u8> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        fail(
            E_PACK_KEY,
            format!("cannot read the key `{}`: {e}", path.display()),
        )
    })?;
    ep::signing_key_from_pem(&text)
        .map_err(|e| fail(E_PACK_KEY, format!("`{}`: {e}", path.display())))
}

/// What goes in a pack.
pub struct PackRequest<'a> {
    pub out: &'a Path,
    pub compiled: &'a aims::Compiled,
    pub header: &'a aims_report::CheckReport,
    pub report_name: &'static str,
    pub report: Vec<u8>,
    pub results: Vec<u8>,
    /// Display names of the fact files the run read (relative to the project root).
    pub fact_files: std::collections::BTreeSet<String>,
    pub evidence_all: bool,
    /// The run history the run read (`--history`): an input, and part of the re-run command.
    pub history: Option<&'a Path>,
    pub key: Option<&'a SigningKey>,
}

/// `s` as one word of a POSIX shell command: as it is when it holds only safe characters,
/// otherwise in single quotes.
fn shell_word(s: &str) -> String {
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | '+' | ':'));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// Write the pack; 0 or an exit code.
pub fn write(req: PackRequest) -> u8 {
    let project = &req.compiled.project;
    let root = &project.root;
    let name = |p: &Path| aims::facts::project::display_name(root, p);
    // Inputs by display name, with their role.
    let mut inputs: Vec<(String, &'static str)> = Vec::new();
    let project_file = match aims::project_file(&aims::OsFs, root) {
        Ok(f) => f,
        Err(_) => root.join("aims.toml"),
    };
    inputs.push((name(&project_file), "project"));
    // the lock of `[packs]`: which commit and content each pack was
    if !project.dependencies.is_empty() {
        let lock = root.join(aims::facts::project::LOCK_FILE);
        inputs.push((name(&lock), "lock"));
    }
    inputs.extend(project.policy_files.iter().map(|p| (name(p), "policy")));
    inputs.extend(project.packs.iter().map(|p| {
        let manifest: PathBuf = root.join(&p.path).join("aims-pack.toml");
        (name(&manifest), "pack")
    }));
    inputs.extend(project.plugins.iter().map(|p| (name(&p.path), "plugin")));
    inputs.extend(
        project
            .attributes_files
            .iter()
            .map(|p| (name(p), "attributes")),
    );
    inputs.extend(req.fact_files.iter().map(|f| (f.clone(), "facts")));
    // Named as the `history` document names it (relative to the project root when inside it),
    // read where `--history` says.
    let history = req.history.map(|db| (name(db), db.to_path_buf()));
    let mut files = vec![
        PackFile {
            path: req.report_name.to_string(),
            role: "report",
            bytes: req.report,
        },
        PackFile {
            path: "report/results.json".to_string(),
            role: "results",
            bytes: req.results,
        },
    ];
    let inputs = inputs
        .into_iter()
        .map(|(display, role)| {
            let path = root.join(&display);
            (display, role, path)
        })
        .chain(
            history
                .iter()
                .map(|(h, db)| (h.clone(), "history", db.clone())),
        );
    // the disk, and the built-in packs' files (`builtin:iso42001`) from the binary: a pack of a
    // project that uses one holds the pack's text, and re-running from it reads that
    let vfs = aims::facts::builtin_packs::WithBuiltinPacks(&aims::OsFs);
    for (display, role, path) in inputs {
        match aims::Vfs::read(&vfs, &path) {
            Ok(bytes) => files.push(PackFile {
                path: ep::input_path(&display),
                role,
                bytes,
            }),
            // A fact file the run could not read either (missing, a folder): the results say
            // so, and the re-run from the pack says the same.
            Err(e) if role == "facts" => eprintln!(
                "aims: `{}` is not in the evidence pack: {e} (the results record it as unreadable)",
                aims_report::inert_text(&display)
            ),
            Err(e) => {
                return fail(
                    E_PACK_UNREADABLE,
                    format!("cannot put `{display}` in the evidence pack: {e}"),
                )
            }
        }
    }
    let mut rerun = format!("aims check --format json --today {}", req.header.today);
    if req.evidence_all {
        rerun.push_str(" --evidence all");
    }
    if let Some((h, _)) = &history {
        rerun.push_str(&format!(" --history {}", shell_word(h)));
    }
    let info = ep::PackInfo {
        tool: req.header.tool.clone(),
        project: req.header.project.clone(),
        evaluation_date: req.header.today.clone(),
        git_commit: crate::history::git_commit(root),
        packs: req.header.packs.iter().map(|p| p.label()).collect(),
        rerun,
    };
    let file = match std::fs::File::create(req.out) {
        Ok(f) => f,
        Err(e) => return usage(format!("cannot write `{}`: {e}", req.out.display())),
    };
    let written = ep::write_pack(std::io::BufWriter::new(file), info, files, req.key).map(|_| ());
    match written {
        Ok(()) => {
            eprintln!(
                "aims: evidence pack written to {}{}",
                req.out.display(),
                match req.key {
                    Some(k) => format!(" (signed, key id {})", ep::key_id(&k.verifying_key())),
                    None => String::new(),
                }
            );
            0
        }
        Err(e) => {
            let _ = std::fs::remove_file(req.out);
            usage(format!("cannot write `{}`: {e}", req.out.display()))
        }
    }
}

/// `aims verify PACK [--key PUBKEY]`.
pub fn verify(path: &Path, key: Option<&Path>) -> u8 {
    let key = match key {
        None => None,
        Some(k) => {
            let text = match std::fs::read_to_string(k) {
                Ok(t) => t,
                Err(e) => {
                    return fail(
                        E_PACK_KEY,
                        format!("cannot read the key `{}`: {e}", k.display()),
                    )
                }
            };
            match ep::verifying_key_from_pem(&text) {
                Ok(v) => Some(v),
                Err(e) => return fail(E_PACK_KEY, format!("`{}`: {e}", k.display())),
            }
        }
    };
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            return fail(
                E_PACK_UNREADABLE,
                format!("cannot read `{}`: {e}", path.display()),
            )
        }
    };
    let v = match ep::verify_pack(std::io::BufReader::new(file), key.as_ref()) {
        Ok(v) => v,
        Err(e) => return fail(E_PACK_UNREADABLE, format!("`{}`: {e}", path.display())),
    };
    for p in &v.problems {
        let code = match p {
            ep::Problem::BadSignature { .. } | ep::Problem::Unsigned => E_PACK_SIGNATURE,
            _ => E_PACK_CHANGED,
        };
        eprintln!("error[{code}]: {p}");
    }
    if !v.problems.is_empty() {
        eprintln!(
            "aims: {} does NOT verify ({} problem{})",
            path.display(),
            v.problems.len(),
            if v.problems.len() == 1 { "" } else { "s" }
        );
        return EXIT_FAIL;
    }
    let Some(m) = &v.manifest else {
        return EXIT_FAIL;
    };
    let commit = m
        .git_commit
        .as_deref()
        .map(|c| format!(", git commit {}", aims_report::inert_text(c)))
        .unwrap_or_default();
    let signature = match (&v.signed_by, v.signature_verified) {
        (Some(id), true) => format!("signature valid (key id {id})"),
        (Some(id), false) => format!(
            "signed by key id {id}, signature NOT checked: pass the signer's public key with --key"
        ),
        (None, _) => "not signed".to_string(),
    };
    println!(
        "verified: {} files match the manifest; {signature}; {} {} on {}{commit}; re-run: {}",
        v.checked,
        aims_report::inert_text(&m.tool.name),
        aims_report::inert_text(&m.tool.version),
        aims_report::inert_text(&m.evaluation_date),
        aims_report::inert_text(&m.rerun),
    );
    0
}
