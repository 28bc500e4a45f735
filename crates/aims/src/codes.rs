//! Diagnostic codes of the command line (`E05xx`), the evidence pack and `aims pack fetch` (those
//! of policy tests, `E0520`–`W0523`, are `aims_test::codes`). `aims explain CODE` and the book's error index come from
//! [`crate::all_codes`], which chains these with every phase crate's codes.

aims_base::declare_codes! {
    /// An option has a value aims cannot use, such as `--today 2026-13-01` or `--shard 3/2`.
    ///
    /// ## Example
    ///
    /// ```text
    /// aims check --today yesterday
    /// ```
    ///
    /// ## Fix
    ///
    /// Give the value in the documented form: `--today 2026-11-24`, `--shard 1/4`.
    E_USAGE = ("E0501", Error, "invalid command-line arguments");
    /// `aims check`, `aims report` and `aims test` work on a project: a folder with an `aims.toml` that names the policy folders and the AI systems. A folder given (or the current one) is searched for `aims.toml`, then every folder above it, as git and cargo find their own files; the error means none of them holds one.
    ///
    /// ## Example
    ///
    /// ```text
    /// aims check ./not-a-project
    /// ```
    ///
    /// ## Fix
    ///
    /// Run inside the project, pass its folder or its `aims.toml`, or create one with `aims init`.
    E_NO_PROJECT = ("E0502", Error, "no aims.toml found");
    /// `aims fmt` rewrites policy files in place. A policy file that is a symlink (or lies under a symlinked folder) whose real target is outside the folder given to `aims fmt` is not written: a pull request could add such a link to make a formatting step overwrite a file elsewhere (a CI script, a shell profile). The file is reported and the exit code is 2; the other files are formatted. `aims fmt --check` only reads, and checks such files as usual.
    ///
    /// ## Example
    ///
    /// ```text
    /// policies/evil.aims -> /home/ci/.bashrc
    /// aims fmt policies
    /// ```
    ///
    /// ## Fix
    ///
    /// Replace the link by the file itself, or format the folder that holds the link's target.
    E_FMT_OUTSIDE = ("E0535", Error, "`aims fmt` refuses to write through a symlink leading outside");
    /// `aims verify` recomputes the SHA-256 of every file of an evidence pack (`aims report --evidence-pack`) and compares it with the pack's `manifest.json`. A file whose bytes differ, a file the manifest lists that the archive lacks, and a file the archive holds that the manifest does not list are each named; the exit code is 1. The evidence handed over is then not the evidence that was checked.
    ///
    /// ## Example
    ///
    /// ```text
    /// aims report --evidence-pack pack.zip --today 2026-11-24
    /// # someone edits inputs/systems/bot/model-card.md inside pack.zip
    /// aims verify pack.zip
    /// error[E0540]: `inputs/systems/bot/model-card.md` changed: its SHA-256 is ..., the manifest says ...
    /// ```
    ///
    /// ## Fix
    ///
    /// Ask for the pack as it was written, or write a new one from the project (`aims report --evidence-pack`). Editing `manifest.json` to match does not help a signed pack: its signature covers the manifest.
    E_PACK_CHANGED = ("E0540", Error, "a file of the evidence pack changed, is missing or was added");
    /// A signed evidence pack (`aims report --evidence-pack OUT --sign KEY`) holds `manifest.dsse.json`: an in-toto statement naming the SHA-256 of `manifest.json`, in a DSSE envelope signed with Ed25519. `aims verify --key PUBKEY` checks that the statement names this manifest and that the signature is valid for that public key. It fails (exit code 1) when the envelope is malformed, signs another manifest, was made with another key, or when a key is given and the pack is not signed at all.
    ///
    /// ## Example
    ///
    /// ```text
    /// aims verify pack.zip --key someone-else.pub
    /// error[E0541]: `manifest.dsse.json` does not verify: no signature by the given key
    /// ```
    ///
    /// ## Fix
    ///
    /// Get the signer's public key from the signer (not from the pack) and pass it with `--key`; if it is the right key, the pack was altered after signing: ask for it again.
    E_PACK_SIGNATURE = ("E0541", Error, "the evidence pack's signature does not verify");
    /// `aims report --sign KEY` takes an Ed25519 private key as a PEM PKCS#8 file and `aims verify --key PUBKEY` an Ed25519 public key as a PEM SubjectPublicKeyInfo file, the forms OpenSSL writes. Another algorithm (RSA, ECDSA), another encoding, or a file that cannot be read is refused with exit code 2.
    ///
    /// ## Example
    ///
    /// ```text
    /// aims report --evidence-pack pack.zip --sign id_rsa
    /// ```
    ///
    /// ## Fix
    ///
    /// Create a key pair with `openssl genpkey -algorithm ed25519 -out aims-signing.pem` and `openssl pkey -in aims-signing.pem -pubout -out aims-signing.pub`; sign with the first, hand the second to the auditor.
    E_PACK_KEY = ("E0542", Error, "the key is not an Ed25519 PEM key");
    /// `aims verify` needs a zip archive with a `manifest.json` written by `aims report --evidence-pack`; a file that is not a zip archive, has no manifest, or whose manifest is not one of aims is refused with exit code 2. `aims report --evidence-pack` reports the same code when an input of the run (`aims.toml`, a policy, an attributes file, a plugin, the run history) cannot be read into the pack; a fact file the run itself could not read is left out of the pack with a note, since the results record it as unreadable.
    ///
    /// ## Example
    ///
    /// ```text
    /// aims verify statement.md
    /// error[E0543]: `statement.md`: not a zip archive
    /// ```
    ///
    /// ## Fix
    ///
    /// Pass the file `aims report --evidence-pack` wrote; when writing a pack, make every input of the project readable.
    E_PACK_UNREADABLE = ("E0543", Error, "the evidence pack cannot be read or written");
    /// `aims pack fetch` clones each git pack of `[packs]` with the real `git` into `.aims/packs/NAME`, checks out its pinned commit, hashes every pack's files and writes `aims.lock`. It fails (exit code 2, and `aims.lock` is left as it was) when git is not installed, the repository cannot be reached or cloned, the pinned commit is not in it, or a pack's files or the lock file cannot be read or written. git's own message is quoted.
    ///
    /// ## Example
    ///
    /// ```text
    /// aims pack fetch
    /// error[E0560]: `git checkout` failed for pack `sector`: fatal: reference is not a tree: 4f1c2e0d9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d
    /// ```
    ///
    /// ## Fix
    ///
    /// Check the pack's `git` URL and that `rev` is a commit of that repository (`git rev-parse HEAD` there); install git where packs are fetched. Checking a fetched project needs neither git nor the network.
    E_PACK_FETCH = ("E0560", Error, "a pack could not be fetched");
}
