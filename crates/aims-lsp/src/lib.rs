//! The aims language server, on stdio, built on `tower-lsp-server` (the maintained community fork of
//! `tower-lsp`) and tokio. It is a shell over the library: parsing is `aims_syntax::parse`, checking
//! is `aims_check::compile`, formatting is `aims_syntax::format` — no second parser or checker.
//!
//! - diagnostics as you type (syntax, names, types, schemas) with codes and related information;
//!   the parser recovers per item, so a syntax error does not hide the rest of the file;
//! - hover, completion, go to definition, find references, document and workspace symbols,
//!   rename of controls and `let`s, formatting, semantic tokens, quick fixes for "did you mean";
//! - workspace awareness: the nearest `aims.toml` defines the project; every policy file of the
//!   project is loaded so names resolve across files and user schemas apply, and an edit re-checks
//!   (and re-publishes) every file of the project whose diagnostics change.
//!
//! Analysis runs on a worker thread that always takes the newest text (bursts of edits coalesce);
//! requests that need fresh results analyze on demand. A handler that panics is answered with an
//! internal error and the server stays up.

#![warn(missing_docs)]

mod assist;
mod completion;
mod convert;
mod features;
mod index;
pub mod requests;
pub mod transport;
mod world;

pub use tower_lsp_server::ls_types;
pub use world::{Publish, World};

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, ClientSocket, LanguageServer, LspService, Server};

/// How long the server waits for the client's answer to a request it sent.
const CLIENT_REPLY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Options of a server instance.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Register the `aims/debugPanic` request, which panics inside a handler (for tests of the
    /// server's panic guard).
    pub debug_methods: bool,
}

struct Shared {
    world: Mutex<World>,
    snippets: Mutex<bool>,
    /// The client registers file watchers on request (`workspace.didChangeWatchedFiles.
    /// dynamicRegistration`); a server must not ask a client that does not.
    watch_registration: std::sync::atomic::AtomicBool,
}

/// The language server.
pub struct Backend {
    client: Client,
    shared: Arc<Shared>,
    wake: Mutex<Option<mpsc::Sender<()>>>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend").finish_non_exhaustive()
    }
}

fn internal(msg: String) -> Error {
    Error {
        code: ErrorCode::InternalError,
        message: msg.into(),
        data: None,
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

impl Backend {
    fn new(client: Client) -> Backend {
        Backend {
            client,
            shared: Arc::new(Shared {
                world: Mutex::new(World::new()),
                snippets: Mutex::new(false),
                watch_registration: std::sync::atomic::AtomicBool::new(false),
            }),
            wake: Mutex::new(None),
        }
    }

    /// Run `f` on the world; a panic inside becomes an internal error.
    fn with_world<T>(&self, what: &str, f: impl FnOnce(&mut World) -> T) -> Result<T> {
        let mut w = self.shared.world.lock().unwrap_or_else(|e| e.into_inner());
        catch_unwind(AssertUnwindSafe(|| f(&mut w))).map_err(|p| {
            let msg = format!("aims: {what} failed: {}", panic_message(p.as_ref()));
            eprintln!("{msg}");
            internal(msg)
        })
    }

    /// Wake the analysis worker (started on first use).
    fn schedule(&self) {
        let mut wake = self.wake.lock().unwrap_or_else(|e| e.into_inner());
        if wake.is_none() {
            let (tx, rx) = mpsc::channel::<()>();
            let shared = self.shared.clone();
            let client = self.client.clone();
            let handle = tokio::runtime::Handle::current();
            let spawned = std::thread::Builder::new()
                .name("aims-analysis".into())
                .stack_size(aims_base::stack::WORKER_STACK_BYTES)
                .spawn(move || worker(rx, shared, client, handle));
            if spawned.is_ok() {
                *wake = Some(tx);
            }
        }
        if let Some(tx) = wake.as_ref() {
            let _ = tx.send(());
        }
    }

    fn snippets(&self) -> bool {
        *self
            .shared
            .snippets
            .lock()
            .unwrap_or_else(|e| e.into_inner())
    }
}

/// Analysis loop: wait for a change, drain the queue (bursts coalesce), check what is stale, send
/// the diagnostics that changed. A panic in one round is reported and the loop goes on.
fn worker(
    rx: mpsc::Receiver<()>,
    shared: Arc<Shared>,
    client: Client,
    handle: tokio::runtime::Handle,
) {
    let lock = || shared.world.lock().unwrap_or_else(|e| e.into_inner());
    while rx.recv().is_ok() {
        while rx.try_recv().is_ok() {}
        // Check the stale projects on snapshots, without the world's lock: edits and requests
        // go on meanwhile, and an edit stops a check it made stale. Until the snapshot checked is
        // the current text; then publish (under the lock, with nothing left to check).
        let publishes = loop {
            let jobs = {
                let w = lock();
                let generation = w.generation();
                catch_unwind(AssertUnwindSafe(|| w.analysis_jobs())).map(|jobs| (generation, jobs))
            };
            let (generation, jobs) = match jobs {
                Ok(jobs) => jobs,
                Err(p) => {
                    eprintln!("aims: analysis failed: {}", panic_message(p.as_ref()));
                    break Err(());
                }
            };
            for job in &jobs {
                match catch_unwind(AssertUnwindSafe(|| job.run())) {
                    Ok(Some(analysis)) => lock().install(job, analysis),
                    Ok(None) => {}
                    Err(p) => eprintln!("aims: analysis failed: {}", panic_message(p.as_ref())),
                }
            }
            let mut w = lock();
            if w.generation() != generation {
                // edited while checking: check the new text first
                continue;
            }
            break catch_unwind(AssertUnwindSafe(|| requests::diagnostics(&mut w)))
                .map_err(|p| eprintln!("aims: analysis failed: {}", panic_message(p.as_ref())));
        };
        if let Ok(list) = publishes {
            handle.block_on(async {
                for p in list {
                    client
                        .publish_diagnostics(p.uri, p.diagnostics, p.version)
                        .await;
                }
            });
        }
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        self.with_world("initialize", |w| requests::initialize(w, &params))?;
        let snippets = params
            .capabilities
            .text_document
            .as_ref()
            .and_then(|t| t.completion.as_ref())
            .and_then(|c| c.completion_item.as_ref())
            .and_then(|i| i.snippet_support)
            .unwrap_or(false);
        *self
            .shared
            .snippets
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = snippets;
        let watch = params
            .capabilities
            .workspace
            .as_ref()
            .and_then(|w| w.did_change_watched_files.as_ref())
            .and_then(|c| c.dynamic_registration)
            .unwrap_or(false);
        self.shared
            .watch_registration
            .store(watch, std::sync::atomic::Ordering::Relaxed);
        Ok(InitializeResult {
            capabilities: ServerCapabilities {
                position_encoding: Some(PositionEncodingKind::UTF16),
                text_document_sync: Some(TextDocumentSyncCapability::Options(
                    TextDocumentSyncOptions {
                        open_close: Some(true),
                        change: Some(TextDocumentSyncKind::INCREMENTAL),
                        save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                        ..TextDocumentSyncOptions::default()
                    },
                )),
                hover_provider: Some(HoverProviderCapability::Simple(true)),
                completion_provider: Some(CompletionOptions {
                    trigger_characters: Some(vec![".".into(), " ".into()]),
                    ..CompletionOptions::default()
                }),
                definition_provider: Some(OneOf::Left(true)),
                references_provider: Some(OneOf::Left(true)),
                document_symbol_provider: Some(OneOf::Left(true)),
                workspace_symbol_provider: Some(OneOf::Left(true)),
                rename_provider: Some(OneOf::Right(RenameOptions {
                    prepare_provider: Some(true),
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                })),
                document_formatting_provider: Some(OneOf::Left(true)),
                code_action_provider: Some(CodeActionProviderCapability::Options(
                    CodeActionOptions {
                        code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
                        ..CodeActionOptions::default()
                    },
                )),
                folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
                selection_range_provider: Some(SelectionRangeProviderCapability::Simple(true)),
                document_highlight_provider: Some(OneOf::Left(true)),
                signature_help_provider: Some(SignatureHelpOptions {
                    trigger_characters: Some(vec!["(".into(), ",".into()]),
                    retrigger_characters: None,
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                }),
                inlay_hint_provider: Some(OneOf::Left(true)),
                code_lens_provider: Some(CodeLensOptions {
                    resolve_provider: Some(false),
                }),
                execute_command_provider: Some(ExecuteCommandOptions {
                    commands: vec![world::SHOW_VERDICTS.to_string()],
                    work_done_progress_options: WorkDoneProgressOptions::default(),
                }),
                semantic_tokens_provider: Some(
                    SemanticTokensServerCapabilities::SemanticTokensOptions(
                        SemanticTokensOptions {
                            legend: SemanticTokensLegend {
                                token_types: features::TOKEN_TYPES.to_vec(),
                                token_modifiers: features::TOKEN_MODIFIERS.to_vec(),
                            },
                            full: Some(SemanticTokensFullOptions::Bool(true)),
                            range: None,
                            work_done_progress_options: WorkDoneProgressOptions::default(),
                        },
                    ),
                ),
                ..ServerCapabilities::default()
            },
            server_info: Some(ServerInfo {
                name: "aims".into(),
                version: Some(env!("CARGO_PKG_VERSION").into()),
            }),
            offset_encoding: None,
        })
    }

    async fn initialized(&self, _: InitializedParams) {
        // Watch policies and project files so that edits outside the editor are seen.
        if !self
            .shared
            .watch_registration
            .load(std::sync::atomic::Ordering::Relaxed)
        {
            return;
        }
        let watchers = vec![
            FileSystemWatcher {
                glob_pattern: GlobPattern::String("**/*.aims".into()),
                kind: None,
            },
            FileSystemWatcher {
                glob_pattern: GlobPattern::String("**/aims.toml".into()),
                kind: None,
            },
            // cards and records: a change on disk re-counts the controls' verdicts
            FileSystemWatcher {
                glob_pattern: GlobPattern::String("**/*.{md,yaml,yml,json,toml}".into()),
                kind: None,
            },
        ];
        let reg = Registration {
            id: "aims-watch".into(),
            method: "workspace/didChangeWatchedFiles".into(),
            register_options: serde_json::to_value(DidChangeWatchedFilesRegistrationOptions {
                watchers,
            })
            .ok(),
        };
        // a client that never answers must not hold this handler (and the end of the session)
        let _ = tokio::time::timeout(
            CLIENT_REPLY_TIMEOUT,
            self.client.register_capability(vec![reg]),
        )
        .await;
    }

    async fn shutdown(&self) -> Result<()> {
        Ok(())
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        let _ = self.with_world("didOpen", |w| requests::did_open(w, params));
        self.schedule();
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        let _ = self.with_world("didChange", |w| requests::did_change(w, params));
        self.schedule();
    }

    async fn did_save(&self, params: DidSaveTextDocumentParams) {
        let uri = params.text_document.uri;
        if world::uri_path(&uri)
            .file_name()
            .is_some_and(|n| n == "aims.toml")
        {
            let _ = self.with_world("didSave", |w| requests::file_changed_on_disk(w, &uri));
            self.schedule();
        }
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        let _ = self.with_world("didClose", |w| requests::did_close(w, params));
        self.schedule();
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        let _ = self.with_world("didChangeWatchedFiles", |w| {
            for c in &params.changes {
                requests::file_changed_on_disk(w, &c.uri);
            }
        });
        self.schedule();
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        self.with_world("hover", |w| requests::hover(w, params))
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        let snippets = self.snippets();
        self.with_world("completion", |w| requests::completion(w, params, snippets))
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        self.with_world("definition", |w| requests::definition(w, params))
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        self.with_world("references", |w| requests::references(w, params))
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        self.with_world("prepareRename", |w| requests::prepare_rename(w, params))
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        self.with_world("rename", |w| requests::rename(w, params))?
            .map_err(|msg| Error {
                code: ErrorCode::InvalidParams,
                message: msg.into(),
                data: None,
            })
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        self.with_world("documentSymbol", |w| requests::document_symbols(w, params))
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        self.with_world("workspaceSymbol", |w| {
            Some(requests::workspace_symbols(w, params))
        })
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        match self.with_world("formatting", |w| requests::formatting(w, params))? {
            requests::Formatting::Edits(edits) => Ok(Some(edits)),
            requests::Formatting::SyntaxErrors => {
                self.client
                    .log_message(
                        MessageType::INFO,
                        "aims: not formatted: the file has syntax errors",
                    )
                    .await;
                Ok(None)
            }
            requests::Formatting::NotOpen => Ok(None),
        }
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        self.with_world("codeAction", |w| requests::code_actions(w, params))
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        self.with_world("foldingRange", |w| requests::folding_ranges(w, params))
    }

    async fn selection_range(
        &self,
        params: SelectionRangeParams,
    ) -> Result<Option<Vec<SelectionRange>>> {
        self.with_world("selectionRange", |w| requests::selection_ranges(w, params))
    }

    async fn document_highlight(
        &self,
        params: DocumentHighlightParams,
    ) -> Result<Option<Vec<DocumentHighlight>>> {
        self.with_world("documentHighlight", |w| {
            requests::document_highlights(w, params)
        })
    }

    async fn signature_help(&self, params: SignatureHelpParams) -> Result<Option<SignatureHelp>> {
        self.with_world("signatureHelp", |w| requests::signature_help(w, params))
    }

    async fn execute_command(
        &self,
        params: ExecuteCommandParams,
    ) -> Result<Option<serde_json::Value>> {
        // a code lens clicked: the systems where the control fails, shown as a message
        if params.command == world::SHOW_VERDICTS {
            if let Some(text) = params.arguments.first().map(world::verdicts_message) {
                self.client.show_message(MessageType::INFO, text).await;
            }
        }
        Ok(None)
    }

    async fn code_lens(&self, params: CodeLensParams) -> Result<Option<Vec<CodeLens>>> {
        self.with_world("codeLens", |w| w.code_lenses(&params.text_document.uri))
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        self.with_world("inlayHint", |w| requests::inlay_hints(w, params))
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        self.with_world("semanticTokens", |w| requests::semantic_tokens(w, params))
    }
}

impl Backend {
    async fn debug_panic(&self, _params: serde_json::Value) -> Result<Option<()>> {
        self.with_world("aims/debugPanic", |_| -> Option<()> {
            #[allow(clippy::panic)]
            {
                panic!("debug panic requested")
            }
        })
    }
}

/// A server instance as a tower service plus the socket of messages it sends to the client
/// (drive it with [`Server`] over any byte streams).
pub fn service(options: Options) -> (LspService<Backend>, ClientSocket) {
    let mut b = LspService::build(Backend::new);
    if options.debug_methods {
        b = b.custom_method("aims/debugPanic", Backend::debug_panic);
    }
    b.finish()
}

/// How long the server may take to finish what is in flight once the input ended or `exit`
/// arrived, before the process leaves anyway.
const GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// Serve LSP over any async byte streams (tests use in-memory pipes) until `exit` or the end of
/// the input. Returns the exit status the LSP specification asks for: 0 if `shutdown` was
/// received, 1 otherwise.
///
/// The client's bytes go through [`transport::decode_frames`] first, so a malformed frame is
/// answered with a JSON-RPC error and the session goes on (the library's own decoder would end
/// the session at the first bad frame).
pub async fn serve<I, O>(input: I, output: O, options: Options) -> u8
where
    I: tokio::io::AsyncRead + Unpin,
    O: tokio::io::AsyncWrite,
{
    let (service, socket) = service(options);
    let (to_server, server_input) = tokio::io::duplex(1 << 16);
    let (server_output, from_server) = tokio::io::duplex(1 << 16);
    let (replies, replies_rx) = tokio::sync::mpsc::unbounded_channel();
    let work = async {
        tokio::join!(
            Server::new(server_input, server_output, socket).serve(service),
            transport::merge_output(from_server, replies_rx, output),
        )
    };
    tokio::pin!(work);
    let mut seen = transport::Seen::default();
    {
        let pump = transport::pump_input(input, to_server, replies, &mut seen);
        tokio::select! {
            _ = &mut work => {}
            () = pump => {
                let _ = tokio::time::timeout(GRACE, &mut work).await;
            }
        }
    }
    u8::from(!seen.shutdown)
}

/// Serve LSP on stdin/stdout until the client exits; returns the exit status (see [`serve`]).
pub async fn serve_stdio() -> u8 {
    serve(tokio::io::stdin(), tokio::io::stdout(), Options::default()).await
}

/// Run the server on stdio on a runtime of its own (what `aims lsp` calls); returns the process
/// exit status: 0 after `shutdown` then `exit` (or end of input), 1 without `shutdown`.
pub fn run_stdio() -> std::io::Result<u8> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_stack_size(aims_base::stack::WORKER_STACK_BYTES)
        .enable_all()
        .build()?;
    let code = rt.block_on(serve_stdio());
    // tokio reads stdin on a blocking thread that cannot be interrupted: waiting for it would
    // keep the process alive until the client writes again (orphaned servers)
    rt.shutdown_background();
    Ok(code)
}
