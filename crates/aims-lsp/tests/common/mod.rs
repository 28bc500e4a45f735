//! A small LSP client for tests: speaks JSON-RPC with `Content-Length` framing to a server
//! running in-process over in-memory pipes (the same bytes a real client sends on stdio).
//! Also the tests' shared helpers: positions, file URIs, the codes of a publish, copying a folder.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::collections::VecDeque;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::sync::mpsc;

pub struct TestClient {
    to_server: tokio::io::WriteHalf<tokio::io::DuplexStream>,
    from_server: mpsc::UnboundedReceiver<Value>,
    /// Notifications and server requests received while waiting for something else.
    pub pending: VecDeque<Value>,
    next_id: i64,
}

pub const TIMEOUT: Duration = Duration::from_secs(20);

async fn read_message<R: tokio::io::AsyncBufRead + Unpin>(r: &mut R) -> Option<Value> {
    let mut len = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).await.ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            len = v.trim().parse::<usize>().ok();
        }
    }
    let mut buf = vec![0u8; len?];
    r.read_exact(&mut buf).await.ok()?;
    serde_json::from_slice(&buf).ok()
}

impl TestClient {
    /// Start a server with the given options and initialize it.
    pub async fn start(options: aims_lsp::Options) -> TestClient {
        Self::start_with(options, json!({})).await
    }

    /// Start a server and initialize it with `extra` merged into the `initialize` parameters
    /// (`rootUri`, `initializationOptions`, ...).
    pub async fn start_with(options: aims_lsp::Options, extra: Value) -> TestClient {
        let (client_side, server_side) = tokio::io::duplex(1 << 20);
        let (server_read, server_write) = tokio::io::split(server_side);
        tokio::spawn(aims_lsp::serve(server_read, server_write, options));
        let (client_read, to_server) = tokio::io::split(client_side);
        let (tx, from_server) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut r = BufReader::new(client_read);
            while let Some(v) = read_message(&mut r).await {
                if tx.send(v).is_err() {
                    break;
                }
            }
        });
        let mut c = TestClient {
            to_server,
            from_server,
            pending: VecDeque::new(),
            next_id: 1,
        };
        let caps = json!({
            "textDocument": {
                "completion": {"completionItem": {"snippetSupport": true}},
                "publishDiagnostics": {"relatedInformation": true, "versionSupport": true}
            },
            "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}
        });
        let mut params = json!({"processId": null, "rootUri": null, "capabilities": caps});
        if let (Some(p), Some(e)) = (params.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                p.insert(k.clone(), v.clone());
            }
        }
        let r = c.request("initialize", params).await;
        assert!(r.get("result").is_some(), "initialize failed: {r}");
        c.notify("initialized", json!({})).await;
        c
    }

    async fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        let frame = format!("Content-Length: {}\r\n\r\n{}", body.len(), body);
        self.to_server.write_all(frame.as_bytes()).await.unwrap();
        self.to_server.flush().await.unwrap();
    }

    pub async fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}))
            .await;
    }

    async fn next(&mut self) -> Value {
        match tokio::time::timeout(TIMEOUT, self.from_server.recv()).await {
            Ok(Some(v)) => v,
            Ok(None) => panic!("server closed the connection"),
            Err(_) => panic!("no message from the server within {TIMEOUT:?}"),
        }
    }

    /// Answer requests the server sends to the client (registerCapability, ...).
    async fn answer_server_request(&mut self, v: &Value) -> bool {
        if v.get("method").is_some() && v.get("id").is_some() {
            let id = v["id"].clone();
            self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}))
                .await;
            return true;
        }
        false
    }

    /// Send a request and wait for its response (the whole message: `result` or `error`).
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
            .await;
        loop {
            let v = self.next().await;
            if self.answer_server_request(&v).await {
                continue;
            }
            if v.get("id") == Some(&json!(id)) && v.get("method").is_none() {
                return v;
            }
            self.pending.push_back(v);
        }
    }

    /// The result of a request, failing the test on an error response.
    pub async fn call(&mut self, method: &str, params: Value) -> Value {
        let r = self.request(method, params).await;
        assert!(r.get("error").is_none(), "{method} failed: {r}");
        r["result"].clone()
    }

    /// Wait for `publishDiagnostics` of `uri` whose parameters satisfy `pred`.
    pub async fn diagnostics_where(&mut self, uri: &str, pred: impl Fn(&Value) -> bool) -> Value {
        self.notification_where("textDocument/publishDiagnostics", |p| {
            p["uri"] == uri && pred(p)
        })
        .await
    }

    /// Wait for the server's notification `method` (`window/showMessage`, ...).
    pub async fn notification(&mut self, method: &str) -> Value {
        self.notification_where(method, |_| true).await
    }

    /// Wait for the server's notification `method` whose parameters satisfy `pred`; what is
    /// skipped stays available to later waits.
    pub async fn notification_where(
        &mut self,
        method: &str,
        pred: impl Fn(&Value) -> bool,
    ) -> Value {
        let mut kept = VecDeque::new();
        let found = loop {
            let v = match self.pending.pop_front() {
                Some(v) => v,
                None => self.next().await,
            };
            if self.answer_server_request(&v).await {
                continue;
            }
            if v["method"] == method && pred(&v["params"]) {
                break v["params"].clone();
            }
            kept.push_back(v);
        };
        kept.extend(self.pending.drain(..));
        self.pending = kept;
        found
    }

    /// Diagnostics of `uri` for document version `version`.
    pub async fn diagnostics(&mut self, uri: &str, version: i64) -> Vec<Value> {
        let p = self
            .diagnostics_where(uri, |p| p["version"] == json!(version))
            .await;
        p["diagnostics"].as_array().cloned().unwrap_or_default()
    }

    pub async fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "aims", "version": 1, "text": text}}),
        )
        .await;
    }

    pub async fn change(&mut self, uri: &str, version: i64, changes: Value) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        )
        .await;
    }

    pub async fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null).await;
        assert!(r.get("error").is_none());
        self.notify("exit", Value::Null).await;
    }
}

pub fn pos(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

pub fn at(uri: &str, line: u32, character: u32) -> Value {
    json!({"textDocument": {"uri": uri}, "position": pos(line, character)})
}

/// Line and UTF-16 column of the first occurrence of `needle` in `text` (plus `delta` chars).
pub fn find(text: &str, needle: &str, delta: usize) -> (u32, u32) {
    let i = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` not in text"))
        + delta;
    let before = &text[..i];
    let line = before.matches('\n').count() as u32;
    let col = before
        .rsplit('\n')
        .next()
        .unwrap_or("")
        .encode_utf16()
        .count() as u32;
    (line, col)
}

pub fn file_uri(path: &std::path::Path) -> String {
    format!("file://{}", path.display())
}

/// The codes of the diagnostics of a `publishDiagnostics` notification's params.
pub fn codes(p: &Value) -> Vec<String> {
    p["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap_or("").to_string())
        .collect()
}

/// Copy a folder tree (an example project into a temporary folder).
pub fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    let options = fs_extra::dir::CopyOptions::new().content_only(true);
    fs_extra::dir::copy(from, to, &options).unwrap();
}
