//! Evidence packs: one zip archive with a run's reports and every input that produced them, and
//! a manifest of their SHA-256 digests, so an auditor can show that the evidence they were handed
//! is the evidence that was checked.
//!
//! Layout: `report/…` (the statement and `results.json`), `inputs/…` (`aims.toml`, the policies
//! and pack manifests, fact files and plugins, by their paths relative to the project; a file
//! outside the project root is under `outside/`), `manifest.json` (tool, version, git commit,
//! evaluation date, the command that re-creates `results.json`, and every file's digest and
//! size) and, when signed, `manifest.dsse.json`: an in-toto Statement (v1) whose subject is
//! `manifest.json`, in a DSSE envelope signed with Ed25519.
//!
//! The archive is deterministic: entries in path order, fixed timestamps (1980-01-01, the zip
//! epoch) and permissions, deflate at a fixed level.
//!
//! Keys are PEM files as OpenSSL writes them: `openssl genpkey -algorithm ed25519 -out key.pem`
//! (PKCS#8 private key, for `--sign`) and `openssl pkey -in key.pem -pubout -out key.pub`
//! (SubjectPublicKeyInfo, for `aims verify --key`). The verifier takes the public key from the
//! auditor, never from the pack: a key inside the pack would prove only that someone signed it.

use std::collections::BTreeMap;
use std::io::{self, Read, Seek, Write};

use base64::Engine as _;
use ed25519_dalek::{Signer as _, Verifier as _};
pub use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The manifest's name in the archive.
pub const MANIFEST: &str = "manifest.json";
/// The signature envelope's name in the archive.
pub const ENVELOPE: &str = "manifest.dsse.json";
/// The DSSE payload type of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// The in-toto statement type.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The predicate type of an aims evidence pack.
pub const PREDICATE_TYPE: &str = "https://example.invalid/aims/evidence-pack/v1";

/// Largest entry read back while verifying (a zip bomb is refused, not inflated).
const MAX_ENTRY: u64 = 1 << 32;

/// Hex of a SHA-256 digest.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a manifest says about one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestFile {
    /// Its path in the archive.
    pub path: String,
    /// `report`, `results`, `project`, `policy`, `pack`, `attributes`, `facts`, `plugin` or
    /// `history`.
    pub role: String,
    /// SHA-256 of its bytes, in hex.
    pub sha256: String,
    /// Its size in bytes.
    pub size: u64,
}

/// The manifest of a pack (`manifest.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The manifest format (1).
    pub aims_evidence_pack: u32,
    /// The tool that made the pack.
    pub tool: crate::model::Tool,
    /// The project's name (from `aims.toml`).
    pub project: String,
    /// The evaluation date (`--today`).
    pub evaluation_date: String,
    /// `git rev-parse HEAD` of the project's repository, when it is in one.
    pub git_commit: Option<String>,
    /// The packs the policies come from (`iso42001 2.0.0`).
    pub packs: Vec<String>,
    /// Run in the unpacked `inputs/` folder, this command writes `report/results.json` again,
    /// byte for byte.
    pub rerun: String,
    /// Sorted by path.
    pub files: Vec<ManifestFile>,
}

/// One file to put in a pack.
#[derive(Debug, Clone)]
pub struct PackFile {
    /// Its path in the archive (`/`-separated, relative).
    pub path: String,
    /// What it is in the pack (the roles of [`ManifestFile::role`]).
    pub role: &'static str,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// The archive path of an input file from its display name (relative to the project root):
/// `inputs/<name>`, or `outside/<name>` for a file outside the root (an absolute name or one
/// leaving the root with `..`), never a path that could leave the archive's folder on extraction.
pub fn input_path(display_name: &str) -> String {
    let parts: Vec<&str> = display_name
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let outside = display_name.starts_with('/') || parts.contains(&"..");
    let parts: Vec<&str> = parts
        .into_iter()
        .map(|p| if p == ".." { "_up_" } else { p })
        .collect();
    format!(
        "{}/{}",
        if outside { "outside" } else { "inputs" },
        parts.join("/")
    )
}

/// The zip options of every entry: fixed time, permissions and compression.
fn entry_options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644)
}

/// The DSSE pre-authentication encoding: `DSSEv1 <len type> <type> <len body> <body>`.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {payload_type} {} ",
        payload_type.len(),
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// A key id: the SHA-256 of the raw 32-byte public key, in hex.
pub fn key_id(key: &VerifyingKey) -> String {
    sha256_hex(key.as_bytes())
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    payload: String,
    #[serde(rename = "payloadType")]
    payload_type: String,
    signatures: Vec<EnvelopeSignature>,
}

#[derive(Serialize, Deserialize)]
struct EnvelopeSignature {
    keyid: String,
    sig: String,
}

/// The in-toto statement of a manifest.
fn statement(manifest: &Manifest, manifest_bytes: &[u8]) -> serde_json::Value {
    serde_json::json!({
        "_type": STATEMENT_TYPE,
        "subject": [{"name": MANIFEST, "digest": {"sha256": sha256_hex(manifest_bytes)}}],
        "predicateType": PREDICATE_TYPE,
        "predicate": {
            "tool": manifest.tool,
            "project": manifest.project,
            "evaluation_date": manifest.evaluation_date,
            "git_commit": manifest.git_commit,
            "packs": manifest.packs,
            "files": manifest.files.len(),
        },
    })
}

/// What a pack holds besides its files.
pub struct PackInfo {
    /// The tool that made the pack.
    pub tool: crate::model::Tool,
    /// The project's name (from `aims.toml`).
    pub project: String,
    /// `YYYY-MM-DD`: the evaluation date (`--today`).
    pub evaluation_date: String,
    /// `git rev-parse HEAD` of the project's repository, when it is in one.
    pub git_commit: Option<String>,
    /// The packs the policies come from (`iso42001 2.0.0`).
    pub packs: Vec<String>,
    /// The command that, run in the unpacked `inputs/` folder, writes `report/results.json` again.
    pub rerun: String,
}

/// Write a pack of `files` to `out`, signed with `key` when given. Two files with the same path
/// are one (the first kept).
pub fn write_pack<W: Write + Seek>(
    out: W,
    info: PackInfo,
    files: Vec<PackFile>,
    key: Option<&SigningKey>,
) -> io::Result<Manifest> {
    let mut by_path: BTreeMap<String, PackFile> = BTreeMap::new();
    for f in files {
        by_path.entry(f.path.clone()).or_insert(f);
    }
    let manifest = Manifest {
        aims_evidence_pack: 1,
        tool: info.tool,
        project: info.project,
        evaluation_date: info.evaluation_date,
        git_commit: info.git_commit,
        packs: info.packs,
        rerun: info.rerun,
        files: by_path
            .values()
            .map(|f| ManifestFile {
                path: f.path.clone(),
                role: f.role.to_string(),
                sha256: sha256_hex(&f.bytes),
                size: f.bytes.len() as u64,
            })
            .collect(),
    };
    let manifest_bytes = format!("{}\n", crate::stream::to_json(&manifest, true)).into_bytes();
    let mut zip = zip::ZipWriter::new(out);
    let zerr = |e: zip::result::ZipError| io::Error::other(e.to_string());
    for f in by_path.values() {
        zip.start_file(f.path.as_str(), entry_options())
            .map_err(zerr)?;
        zip.write_all(&f.bytes)?;
    }
    zip.start_file(MANIFEST, entry_options()).map_err(zerr)?;
    zip.write_all(&manifest_bytes)?;
    if let Some(key) = key {
        let payload = crate::stream::to_json(&statement(&manifest, &manifest_bytes), false);
        let sig = key.sign(&pae(PAYLOAD_TYPE, payload.as_bytes()));
        let b64 = base64::engine::general_purpose::STANDARD;
        let envelope = Envelope {
            payload: b64.encode(payload.as_bytes()),
            payload_type: PAYLOAD_TYPE.to_string(),
            signatures: vec![EnvelopeSignature {
                keyid: key_id(&key.verifying_key()),
                sig: b64.encode(sig.to_bytes()),
            }],
        };
        zip.start_file(ENVELOPE, entry_options()).map_err(zerr)?;
        zip.write_all(format!("{}\n", crate::stream::to_json(&envelope, true)).as_bytes())?;
    }
    zip.finish().map_err(zerr)?;
    Ok(manifest)
}

/// The DER bytes of a PEM file's block labelled `label`.
fn pem_block(text: &str, label: &str) -> Result<Vec<u8>, String> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text
        .find(&begin)
        .ok_or_else(|| format!("no `{begin}` line (expected a PEM file as OpenSSL writes it)"))?;
    let body = text.get(start + begin.len()..).unwrap_or("");
    let stop = body.find(&end).ok_or_else(|| format!("no `{end}` line"))?;
    let b64: String = body
        .get(..stop)
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| format!("the PEM body is not base64: {e}"))
}

/// PKCS#8 v1 of an Ed25519 private key: this prefix, then the 32-byte seed.
const PKCS8_ED25519: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];
/// SubjectPublicKeyInfo of an Ed25519 public key: this prefix, then the 32-byte key.
const SPKI_ED25519: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// An Ed25519 private key from a PEM PKCS#8 file (`openssl genpkey -algorithm ed25519`).
pub fn signing_key_from_pem(text: &str) -> Result<SigningKey, String> {
    let der = pem_block(text, "PRIVATE KEY")?;
    let seed = der
        .strip_prefix(&PKCS8_ED25519[..])
        .and_then(|s| <[u8; 32]>::try_from(s).ok())
        .ok_or("not an Ed25519 private key (PKCS#8 of algorithm 1.3.101.112)")?;
    Ok(SigningKey::from_bytes(&seed))
}

/// An Ed25519 public key from a PEM SubjectPublicKeyInfo file (`openssl pkey -pubout`).
pub fn verifying_key_from_pem(text: &str) -> Result<VerifyingKey, String> {
    let der = pem_block(text, "PUBLIC KEY")?;
    let key = der
        .strip_prefix(&SPKI_ED25519[..])
        .and_then(|s| <[u8; 32]>::try_from(s).ok())
        .ok_or("not an Ed25519 public key (SubjectPublicKeyInfo of algorithm 1.3.101.112)")?;
    VerifyingKey::from_bytes(&key).map_err(|e| format!("not a valid Ed25519 public key: {e}"))
}

/// A public key as PEM (SubjectPublicKeyInfo), as `openssl pkey -pubout` writes it.
pub fn verifying_key_to_pem(key: &VerifyingKey) -> String {
    let mut der = SPKI_ED25519.to_vec();
    der.extend_from_slice(key.as_bytes());
    format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        base64::engine::general_purpose::STANDARD.encode(der)
    )
}

/// Why a pack does not verify (each names the file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// A file's bytes differ from its digest in the manifest.
    Changed {
        /// The file's path in the archive.
        path: String,
        /// The SHA-256 the manifest records, in hex.
        expected: String,
        /// The SHA-256 of the file in the archive, in hex.
        actual: String,
    },
    /// A file the manifest lists is not in the archive.
    Missing {
        /// The file's path in the archive.
        path: String,
    },
    /// A file in the archive the manifest does not list.
    Added {
        /// The file's path in the archive.
        path: String,
    },
    /// The signature is not valid for the given key, or the envelope does not sign this manifest.
    BadSignature {
        /// What the signature check found.
        reason: String,
    },
    /// A key was given but the pack has no signature.
    Unsigned,
    /// `manifest.json` is not a manifest of aims any more (altered).
    BadManifest {
        /// Why it does not read as a manifest.
        reason: String,
    },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Changed {
                path,
                expected,
                actual,
            } => write!(
                f,
                "`{path}` changed: its SHA-256 is {actual}, the manifest says {expected}"
            ),
            Problem::Missing { path } => {
                write!(f, "`{path}` is listed in the manifest but not in the pack")
            }
            Problem::Added { path } => {
                write!(f, "`{path}` is in the pack but not in the manifest")
            }
            Problem::BadSignature { reason } => {
                write!(f, "`{ENVELOPE}` does not verify: {reason}")
            }
            Problem::BadManifest { reason } => write!(
                f,
                "`{MANIFEST}` changed: it is no longer a manifest of aims ({reason})"
            ),
            Problem::Unsigned => write!(
                f,
                "a key was given, but the pack has no `{ENVELOPE}`: it is not signed"
            ),
        }
    }
}

/// The outcome of checking a pack.
#[derive(Debug, Clone)]
pub struct Verification {
    /// `None` when the manifest no longer parses ([`Problem::BadManifest`]).
    pub manifest: Option<Manifest>,
    /// Files whose digest was checked (the manifest's).
    pub checked: usize,
    /// The key id of the envelope's signature, when the pack is signed.
    pub signed_by: Option<String>,
    /// Whether the signature was checked against a key the caller gave (and was valid).
    pub signature_verified: bool,
    /// Empty when the pack verifies.
    pub problems: Vec<Problem>,
}

/// Read every entry of a pack: its path and SHA-256 (the manifest and envelope kept as bytes).
type Entries = (BTreeMap<String, String>, Option<Vec<u8>>, Option<Vec<u8>>);

fn read_entries<R: Read + Seek>(archive: R) -> Result<Entries, String> {
    let mut zip = zip::ZipArchive::new(archive).map_err(|e| format!("not a zip archive: {e}"))?;
    let mut digests = BTreeMap::new();
    let mut manifest = None;
    let mut envelope = None;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| format!("entry {i} cannot be read: {e}"))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().to_string();
        let mut hasher = Sha256::new();
        let mut kept = Vec::new();
        let keep = name == MANIFEST || name == ENVELOPE;
        let mut limited = (&mut entry).take(MAX_ENTRY);
        let mut buf = [0u8; 64 * 1024];
        loop {
            let n = limited
                .read(&mut buf)
                .map_err(|e| format!("`{name}` cannot be read: {e}"))?;
            if n == 0 {
                break;
            }
            let chunk = buf.get(..n).unwrap_or(&[]);
            hasher.update(chunk);
            if keep {
                kept.extend_from_slice(chunk);
            }
        }
        match name.as_str() {
            MANIFEST => manifest = Some(kept),
            ENVELOPE => envelope = Some(kept),
            _ => {}
        }
        digests.insert(name, hex(&hasher.finalize()));
    }
    Ok((digests, manifest, envelope))
}

/// Check a pack: every digest of its manifest, that no file was added, and, when the pack is
/// signed, the envelope (against `key` when given). `Err` when the archive or its manifest cannot
/// be read at all.
pub fn verify_pack<R: Read + Seek>(
    archive: R,
    key: Option<&VerifyingKey>,
) -> Result<Verification, String> {
    let (digests, manifest_bytes, envelope) = read_entries(archive)?;
    let manifest_bytes = manifest_bytes.ok_or(format!("the pack has no `{MANIFEST}`"))?;
    let manifest: Manifest = match serde_json::from_slice(&manifest_bytes) {
        Ok(m) => m,
        // A manifest that no longer parses was altered: the pack does not verify (it is not
        // unreadable: the archive is there), and the envelope, if any, is checked all the same.
        Err(e) => {
            let mut problems = vec![Problem::BadManifest {
                reason: e.to_string(),
            }];
            if let Some(bytes) = envelope {
                if let Err(reason) = check_envelope(&bytes, &manifest_bytes, key) {
                    problems.push(Problem::BadSignature { reason });
                }
            }
            return Ok(Verification {
                manifest: None,
                checked: 0,
                signed_by: None,
                signature_verified: false,
                problems,
            });
        }
    };
    let mut problems = Vec::new();
    for f in &manifest.files {
        match digests.get(&f.path) {
            None => problems.push(Problem::Missing {
                path: f.path.clone(),
            }),
            Some(d) if *d != f.sha256 => problems.push(Problem::Changed {
                path: f.path.clone(),
                expected: f.sha256.clone(),
                actual: d.clone(),
            }),
            Some(_) => {}
        }
    }
    for path in digests.keys() {
        if path != MANIFEST && path != ENVELOPE && !manifest.files.iter().any(|f| &f.path == path) {
            problems.push(Problem::Added { path: path.clone() });
        }
    }
    let mut signed_by = None;
    let mut signature_verified = false;
    match (envelope, key) {
        (None, Some(_)) => problems.push(Problem::Unsigned),
        (None, None) => {}
        (Some(bytes), key) => match check_envelope(&bytes, &manifest_bytes, key) {
            Ok((id, verified)) => {
                signed_by = Some(id);
                signature_verified = verified;
            }
            Err(reason) => problems.push(Problem::BadSignature { reason }),
        },
    }
    Ok(Verification {
        checked: manifest.files.len(),
        manifest: Some(manifest),
        signed_by,
        signature_verified,
        problems,
    })
}

/// Check the envelope signs this manifest; with a key, that its signature is valid. Returns the
/// key id and whether the signature was verified.
fn check_envelope(
    bytes: &[u8],
    manifest_bytes: &[u8],
    key: Option<&VerifyingKey>,
) -> Result<(String, bool), String> {
    let envelope: Envelope =
        serde_json::from_slice(bytes).map_err(|e| format!("not a DSSE envelope: {e}"))?;
    if envelope.payload_type != PAYLOAD_TYPE {
        return Err(format!(
            "payload type `{}`, expected `{PAYLOAD_TYPE}`",
            envelope.payload_type
        ));
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let payload = b64
        .decode(&envelope.payload)
        .map_err(|e| format!("the payload is not base64: {e}"))?;
    let statement: serde_json::Value = serde_json::from_slice(&payload)
        .map_err(|e| format!("the payload is not an in-toto statement: {e}"))?;
    let digest = statement
        .pointer("/subject/0/digest/sha256")
        .and_then(|v| v.as_str());
    if statement.get("_type").and_then(|v| v.as_str()) != Some(STATEMENT_TYPE)
        || statement
            .pointer("/subject/0/name")
            .and_then(|v| v.as_str())
            != Some(MANIFEST)
    {
        return Err("the statement's subject is not the manifest".into());
    }
    if digest != Some(sha256_hex(manifest_bytes).as_str()) {
        return Err(format!(
            "the statement signs another `{MANIFEST}` (its digest differs)"
        ));
    }
    let Some(first) = envelope.signatures.first() else {
        return Err("the envelope has no signature".into());
    };
    let Some(key) = key else {
        return Ok((first.keyid.clone(), false));
    };
    let id = key_id(key);
    let Some(sig) = envelope.signatures.iter().find(|s| s.keyid == id) else {
        return Err(format!(
            "no signature by the given key (key id {id}); signed by {}",
            first.keyid
        ));
    };
    let raw = b64
        .decode(&sig.sig)
        .map_err(|e| format!("the signature is not base64: {e}"))?;
    let sig = ed25519_dalek::Signature::from_slice(&raw)
        .map_err(|e| format!("not an Ed25519 signature: {e}"))?;
    key.verify(&pae(&envelope.payload_type, &payload), &sig)
        .map_err(|_| format!("the signature by key {id} is not valid for this manifest"))?;
    Ok((id, true))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_dsse_spec() {
        // The example of the DSSE protocol description.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn input_paths_stay_in_their_folder() {
        assert_eq!(input_path("cards/a.md"), "inputs/cards/a.md");
        assert_eq!(input_path("../shared/r.yaml"), "outside/_up_/shared/r.yaml");
        assert_eq!(input_path("/etc/x"), "outside/etc/x");
    }

    #[test]
    fn keys_round_trip_through_pem() {
        let key = SigningKey::from_bytes(&[7u8; 32]);
        let pem = verifying_key_to_pem(&key.verifying_key());
        assert_eq!(verifying_key_from_pem(&pem).unwrap(), key.verifying_key());
        assert!(signing_key_from_pem(&pem).is_err());
    }
}
