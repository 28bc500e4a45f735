//! The server's requests and notifications as plain functions over a [`World`], without tokio or
//! JSON-RPC. The async handlers in `lib.rs` are one call each into this module; the fuzz target
//! `lsp_edits` (fuzz/) replays edits and requests through the same functions, so what it finds is
//! what an editor would hit.

use crate::{assist, completion, convert, features, world};
use tower_lsp_server::ls_types::*;
use world::World;

/// Outcome of a formatting request.
#[derive(Debug, Clone, PartialEq)]
pub enum Formatting {
    /// The document is not open in any project.
    NotOpen,
    /// The file has syntax errors and is left alone.
    SyntaxErrors,
    /// The edits that format the file (empty when it is already formatted).
    Edits(Vec<TextEdit>),
}

fn file_position<'w>(
    w: &'w mut World,
    uri: &Uri,
    pos: Position,
) -> Option<(&'w mut world::ProjectState, usize, usize)> {
    let (p, fi) = w.locate(uri)?;
    let offset = convert::offset(&p.files.get(fi)?.source, pos);
    Some((p, fi, offset))
}

/// What the server keeps of `initialize`: the workspace folders, where projects that include
/// a file from outside their own folder are looked for.
pub fn initialize(w: &mut World, params: &InitializeParams) {
    let mut roots: Vec<std::path::PathBuf> = params
        .workspace_folders
        .iter()
        .flatten()
        .filter_map(|f| f.uri.to_file_path())
        .map(|p| p.into_owned())
        .collect();
    // `rootUri` is deprecated in favour of `workspaceFolders`, but older clients send only it
    #[allow(deprecated)]
    let root_uri = params.root_uri.as_ref();
    if roots.is_empty() {
        roots.extend(
            root_uri
                .and_then(|u| u.to_file_path())
                .map(|p| p.into_owned()),
        );
    }
    w.set_roots(roots);
    // `initializationOptions.bookUrl`, else `AIMS_BOOK_URL`: where the book is published
    w.book_url = params
        .initialization_options
        .as_ref()
        .and_then(|o| o.get("bookUrl"))
        .and_then(|v| v.as_str())
        .map(str::to_string)
        .or_else(|| std::env::var("AIMS_BOOK_URL").ok())
        .filter(|u| !u.is_empty());
    // `initializationOptions.today` (YYYY-MM-DD): the date to evaluate as today, as
    // `aims check --today` (for reproducible sessions and tests); the real date otherwise
    w.today = params
        .initialization_options
        .as_ref()
        .and_then(|o| o.get("today"))
        .and_then(|v| v.as_str())
        .and_then(aims_base::date::parse_date);
}

/// `textDocument/didOpen`: the buffer replaces the file's text on disk (its project is found or loaded).
pub fn did_open(w: &mut World, params: DidOpenTextDocumentParams) {
    let d = params.text_document;
    w.open(d.uri, d.text, d.version);
}

/// `textDocument/didChange`: apply the changes (whole text or ranges) and mark what they make stale.
pub fn did_change(w: &mut World, params: DidChangeTextDocumentParams) {
    let d = params.text_document;
    w.change(&d.uri, d.version, params.content_changes);
}

/// `textDocument/didClose`: the file is read from disk again.
pub fn did_close(w: &mut World, params: DidCloseTextDocumentParams) {
    w.close(&params.text_document.uri);
}

/// A file changed outside the editor (saved `aims.toml`, watched files).
pub fn file_changed_on_disk(w: &mut World, uri: &Uri) {
    w.file_changed_on_disk(&world::uri_path(uri));
}

/// The diagnostics that changed since the last call, per document.
pub fn diagnostics(w: &mut World) -> Vec<world::Publish> {
    w.diagnostics_to_publish()
}

/// `textDocument/hover`: a name's type, definition and documentation; for a fact field, the values the systems' cards hold.
pub fn hover(w: &mut World, params: HoverParams) -> Option<Hover> {
    let tp = params.text_document_position_params;
    let uri = tp.text_document.uri.clone();
    let (p, fi, off) = file_position(w, &tp.text_document.uri, tp.position)?;
    // a top-level fact field (`model_card.license`): what the systems' cards hold, below the
    // schema's description
    let field = {
        let (_, ix, _, _) = p.analysis_and_index();
        match ix.at(fi, off).map(|o| &o.sym) {
            Some(crate::index::Sym::Field(kind, field)) => Some((kind.clone(), field.clone())),
            _ => None,
        }
    };
    if let Some(mut h) = features::hover(p, fi, off) {
        if let Some((kind, field)) = field {
            let values = w.fact_locations(&uri, &kind, &field);
            if let (Some(values), HoverContents::Markup(m)) = (values, &mut h.contents) {
                m.value.push_str(&values.markdown());
            }
        }
        return Some(h);
    }
    let (a, ix, files, _) = p.analysis_and_index();
    assist::clause_hover(files, &a.program, fi, off)
        .or_else(|| assist::keyword_hover(files.get(fi)?, ix, fi, off))
}

/// `textDocument/foldingRange`: items, statements spanning lines, runs of comment lines.
pub fn folding_ranges(w: &mut World, params: FoldingRangeParams) -> Option<Vec<FoldingRange>> {
    let (p, fi) = w.locate(&params.text_document.uri)?;
    Some(assist::folding_ranges(p.files.get(fi)?))
}

/// `textDocument/selectionRange`: from a name out to its expression, statement, item and file.
pub fn selection_ranges(
    w: &mut World,
    params: SelectionRangeParams,
) -> Option<Vec<SelectionRange>> {
    let (p, fi) = w.locate(&params.text_document.uri)?;
    let f = p.files.get(fi)?;
    let offsets: Vec<usize> = params
        .positions
        .iter()
        .map(|&pos| convert::offset(&f.source, pos))
        .collect();
    Some(assist::selection_ranges(f, &offsets))
}

/// `textDocument/documentHighlight`: the other occurrences of the symbol under the cursor in the file.
pub fn document_highlights(
    w: &mut World,
    params: DocumentHighlightParams,
) -> Option<Vec<DocumentHighlight>> {
    let tp = params.text_document_position_params;
    let (p, fi, off) = file_position(w, &tp.text_document.uri, tp.position)?;
    Some(assist::highlights(p, fi, off))
}

/// `textDocument/signatureHelp`: the built-in or plugin function being called and the argument at the cursor.
pub fn signature_help(w: &mut World, params: SignatureHelpParams) -> Option<SignatureHelp> {
    let tp = params.text_document_position_params;
    let (p, fi, off) = file_position(w, &tp.text_document.uri, tp.position)?;
    assist::signature_help(p, fi, off)
}

/// `textDocument/inlayHint`: the types of `let`s and quantifier variables.
pub fn inlay_hints(w: &mut World, params: InlayHintParams) -> Option<Vec<InlayHint>> {
    let (p, fi) = w.locate(&params.text_document.uri)?;
    Some(assist::inlay_hints(p, fi, params.range))
}

/// `textDocument/completion`: names, fields, functions, keywords and control ids valid at the cursor.
pub fn completion(
    w: &mut World,
    params: CompletionParams,
    snippets: bool,
) -> Option<CompletionResponse> {
    let tp = params.text_document_position;
    let (p, fi, off) = file_position(w, &tp.text_document.uri, tp.position)?;
    let src = p.files.get(fi)?.source.clone();
    let mut items = completion::complete(p, fi, &src.text, off, snippets);
    let start = completion::replacement_start(&src.text, off);
    for it in &mut items {
        with_text_edit(it, &src, start, off);
    }
    Some(CompletionResponse::Array(items))
}

/// Give a completion item an explicit edit of the word being typed: clients that guess the word
/// themselves (`.` is not a word character for most) inserted `A.6.A.10.3` after `A.6.`. An
/// accessor item (`["model-index"]`) replaces the `.` before it too.
fn with_text_edit(
    it: &mut CompletionItem,
    src: &aims_base::SourceFile,
    start: usize,
    cursor: usize,
) {
    // `insertText` stays for clients that ignore `textEdit`
    let new_text = it.insert_text.clone().unwrap_or_else(|| it.label.clone());
    let mut from = start.min(cursor);
    let before = src.text.get(..from).unwrap_or("");
    if new_text.starts_with('[') && before.ends_with('.') {
        from -= 1;
        let filter = it.filter_text.take().unwrap_or_else(|| it.label.clone());
        it.filter_text = Some(format!(".{filter}"));
    }
    it.text_edit = Some(CompletionTextEdit::Edit(TextEdit {
        range: Range {
            start: convert::position(src, from),
            end: convert::position(src, cursor),
        },
        new_text,
    }));
}

/// `textDocument/definition`: where the symbol under the cursor is declared (a fact field: its schema line).
pub fn definition(w: &mut World, params: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
    let tp = params.text_document_position_params;
    let uri = tp.text_document.uri.clone();
    let (p, fi, off) = file_position(w, &tp.text_document.uri, tp.position)?;
    let field = {
        let (_, ix, _, _) = p.analysis_and_index();
        match ix.at(fi, off).map(|o| &o.sym) {
            Some(crate::index::Sym::Field(kind, field)) => Some((kind.clone(), field.clone())),
            _ => None,
        }
    };
    let mut locs = features::definition(p, fi, off);
    // a fact field: also where the systems' documents hold it (the card line)
    if let Some((kind, field)) = field {
        if let Some(found) = w.fact_locations(&uri, &kind, &field) {
            locs.extend(found.found.into_iter().filter_map(|l| {
                Some(Location {
                    uri: l.uri?,
                    range: l.range,
                })
            }));
        }
    }
    match locs.len() {
        0 => None,
        1 => locs.into_iter().next().map(GotoDefinitionResponse::Scalar),
        _ => Some(GotoDefinitionResponse::Array(locs)),
    }
}

/// `textDocument/references`: every occurrence of the symbol under the cursor in its project.
pub fn references(w: &mut World, params: ReferenceParams) -> Option<Vec<Location>> {
    let tp = params.text_document_position;
    let (p, fi, off) = file_position(w, &tp.text_document.uri, tp.position)?;
    Some(features::references(
        p,
        fi,
        off,
        params.context.include_declaration,
    ))
}

/// `textDocument/prepareRename`: the range of a control id or `let` that can be renamed.
pub fn prepare_rename(
    w: &mut World,
    params: TextDocumentPositionParams,
) -> Option<PrepareRenameResponse> {
    let (p, fi, off) = file_position(w, &params.text_document.uri, params.position)?;
    features::prepare_rename(p, fi, off).map(PrepareRenameResponse::Range)
}

/// `Err` is a message for the user (the new name is not a valid name, ...).
pub fn rename(w: &mut World, params: RenameParams) -> Result<Option<WorkspaceEdit>, String> {
    let tp = params.text_document_position;
    let uri = tp.text_document.uri.clone();
    let Some((p, fi, off)) = file_position(w, &tp.text_document.uri, tp.position) else {
        return Ok(None);
    };
    let control = {
        let (_, ix, _, _) = p.analysis_and_index();
        match ix.at(fi, off).map(|o| &o.sym) {
            Some(crate::index::Sym::Block(aims_syntax::ast::BlockKind::Control, id)) => {
                Some(id.clone())
            }
            _ => None,
        }
    };
    let mut edit = features::rename(p, fi, off, &params.new_name).map_err(|m| m.to_string())?;
    // a control is also named by the policy tests' expectations and by records (the risk
    // register's `controls`, the SoA's `control`): rename it there too
    if let (Some(old), Some(e)) = (control, edit.as_mut()) {
        let more = w.control_mentions(&uri, &old, &params.new_name);
        let changes = e.changes.get_or_insert_with(Default::default);
        for (u, edits) in more {
            changes.entry(u).or_default().extend(edits);
        }
    }
    Ok(edit)
}

/// `textDocument/documentSymbol`: the file's items and their statements, as an outline.
pub fn document_symbols(
    w: &mut World,
    params: DocumentSymbolParams,
) -> Option<DocumentSymbolResponse> {
    let (p, fi) = w.locate(&params.text_document.uri)?;
    let f = p.files.get(fi)?;
    Some(DocumentSymbolResponse::Nested(features::document_symbols(
        f,
    )))
}

/// `workspace/symbol`: the controls, objectives, risks, waivers, schemas and `let`s whose names match the query.
pub fn workspace_symbols(w: &World, params: WorkspaceSymbolParams) -> WorkspaceSymbolResponse {
    WorkspaceSymbolResponse::Flat(features::workspace_symbols(&w.projects, &params.query))
}

/// `textDocument/formatting`: the edits that make the file what `aims fmt` writes.
pub fn formatting(w: &mut World, params: DocumentFormattingParams) -> Formatting {
    let Some((p, fi)) = w.locate(&params.text_document.uri) else {
        return Formatting::NotOpen;
    };
    let Some(src) = p.files.get(fi).map(|f| f.source.clone()) else {
        return Formatting::NotOpen;
    };
    match features::formatting(&src) {
        Some(edits) => Formatting::Edits(edits),
        None => Formatting::SyntaxErrors,
    }
}

/// `textDocument/codeAction`: the quick fixes of the diagnostics in the range ("did you mean").
pub fn code_actions(w: &mut World, params: CodeActionParams) -> Option<CodeActionResponse> {
    let (p, fi) = w.locate(&params.text_document.uri)?;
    Some(features::code_actions(
        p,
        fi,
        params.range,
        &params.context.diagnostics,
    ))
}

/// `textDocument/semanticTokens/full`: keywords, names, fields, strings, numbers and comments of the file.
pub fn semantic_tokens(
    w: &mut World,
    params: SemanticTokensParams,
) -> Option<SemanticTokensResult> {
    let (p, fi) = w.locate(&params.text_document.uri)?;
    let data = features::semantic_tokens(p, fi);
    Some(SemanticTokensResult::Tokens(SemanticTokens {
        result_id: None,
        data,
    }))
}
