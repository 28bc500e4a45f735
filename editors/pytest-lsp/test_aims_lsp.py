"""A second real LSP client: pytest-lsp (PyPI, on pygls and lsprotocol) drives `aims lsp` over
stdio, as an editor would. Run by crates/aims-cli/tests/pytest_lsp.rs, which passes the `aims`
binary under test in AIMS_BIN; `.ci/run` installs pytest-lsp.

    AIMS_BIN=target/debug/aims python3 -m pytest editors/pytest-lsp
"""

import asyncio
import os
import pathlib

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

AIMS = os.environ.get("AIMS_BIN", "aims")

POLICY = """\
control A.6.10.3 "Ten three" {
  require true
}

risk R-1 "r" {
  likelihood possible
  impact major
  treated_by A.6.
}

control MC-1 "Licence" {
  applies_to model_card
  let lic = model_card.license_name
  require exists(model_card.licence)
    else "no licence"
  require default(lic, "x") != "y"
}
"""


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[AIMS, "lsp"]))
async def client(lsp_client: LanguageClient):
    params = types.InitializeParams(
        capabilities=types.ClientCapabilities(
            text_document=types.TextDocumentClientCapabilities(
                publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                    version_support=True
                )
            )
        ),
        initialization_options={"bookUrl": "https://books.example/aims/"},
    )
    await lsp_client.initialize_session(params)
    yield
    # shutdown, exit, and wait for the process: a server that does not exit hangs here
    await lsp_client.shutdown_session()


def position(text: str, needle: str, delta: int = 0) -> types.Position:
    i = text.index(needle) + delta
    before = text[:i]
    return types.Position(line=before.count("\n"), character=len(before.rsplit("\n", 1)[-1]))


async def open_policy(client: LanguageClient, tmp_path: pathlib.Path) -> str:
    uri = (tmp_path / "policy.aims").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="aims", version=1, text=POLICY
            )
        )
    )
    while uri not in client.diagnostics:
        await asyncio.wait_for(
            client.wait_for_notification("textDocument/publishDiagnostics"), 20
        )
    return uri


@pytest.mark.asyncio
async def test_diagnostics_carry_codes_and_links(client: LanguageClient, tmp_path):
    uri = await open_policy(client, tmp_path)
    diags = client.diagnostics[uri]
    licence = [d for d in diags if d.code == "E0207"]
    assert licence, diags
    assert "did you mean `license`" in licence[0].message
    assert licence[0].code_description.href.endswith("reference/errors.html#e0207")


@pytest.mark.asyncio
async def test_completion_replaces_a_dotted_id(client: LanguageClient, tmp_path):
    uri = await open_policy(client, tmp_path)
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=position(POLICY, "A.6.\n", 4),
        )
    )
    items = result if isinstance(result, list) else result.items
    item = next(i for i in items if i.label == "A.6.10.3")
    edit = item.text_edit
    assert edit.new_text == "A.6.10.3"
    assert edit.range.start == position(POLICY, "A.6.\n")


@pytest.mark.asyncio
async def test_hover_folding_and_signature_help(client: LanguageClient, tmp_path):
    uri = await open_policy(client, tmp_path)
    doc = types.TextDocumentIdentifier(uri=uri)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc, position=position(POLICY, "applies_to", 2))
    )
    assert "fact kinds" in hover.contents.value

    folds = await client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=doc)
    )
    assert any(f.start_line == 10 and f.end_line == 16 for f in folds), folds

    help = await client.text_document_signature_help_async(
        types.SignatureHelpParams(text_document=doc, position=position(POLICY, '"x")'))
    )
    assert help.signatures[0].label == "default(x: any, y: any) -> any"
    assert help.active_parameter == 1

    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=doc,
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=20, character=0)),
        )
    )
    assert any(h.label == ": string" for h in hints), hints
