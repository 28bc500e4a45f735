#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The lifecycle of the real `aims lsp` process, over its stdin and stdout: it exits on `exit`
//! (status 0 after `shutdown`, 1 without) and at the end of its input; a malformed frame (bad
//! JSON, a wrong or missing `Content-Length`, a body that is no JSON-RPC message) is answered
//! with a JSON-RPC error and the session goes on; a client that never answers the server's
//! `client/registerCapability` does not stop it from answering; a stream of mangled frames does
//! not bring it down.

use aims_lsp::transport::{decode_frames, encode_frame, Frame};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A hung server fails the test instead of hanging it.
const TIMEOUT: Duration = Duration::from_secs(30);

struct Server {
    child: Child,
    stdin: Option<ChildStdin>,
    from_server: mpsc::Receiver<Value>,
    next_id: i64,
}

/// The server's output, decoded by the server's own frame decoder.
fn read_messages(mut r: impl Read, tx: mpsc::Sender<Value>) {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    loop {
        let n = r.read(&mut chunk).unwrap_or(0);
        buf.extend_from_slice(&chunk[..n]);
        let decoded = decode_frames(&buf, n == 0);
        buf.drain(..decoded.consumed);
        for f in decoded.frames {
            match f {
                Frame::Message(body) => {
                    if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                        return;
                    }
                }
                other => panic!("the server wrote a bad frame: {other:?}"),
            }
        }
        if n == 0 {
            return;
        }
    }
}

fn frame(msg: &Value) -> Vec<u8> {
    encode_frame(msg.to_string().as_bytes())
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_aims"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start aims lsp");
        let stdout = child.stdout.take().unwrap();
        let (tx, from_server) = mpsc::channel();
        std::thread::spawn(move || read_messages(stdout, tx));
        Server {
            stdin: child.stdin.take(),
            child,
            from_server,
            next_id: 1,
        }
    }

    fn raw(&mut self, bytes: &[u8]) {
        let w = self.stdin.as_mut().unwrap();
        w.write_all(bytes).unwrap();
        w.flush().unwrap();
    }

    fn send(&mut self, msg: Value) {
        self.raw(&frame(&msg));
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn next(&mut self) -> Value {
        self.from_server
            .recv_timeout(TIMEOUT)
            .expect("a message from the server in time")
    }

    /// Send a request and return its response; server requests are left unanswered when
    /// `answer_server` is false.
    fn request_with(&mut self, method: &str, params: Value, answer_server: bool) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let v = self.next();
            if v.get("method").is_some() && v.get("id").is_some() {
                if answer_server {
                    let id = v["id"].clone();
                    self.send(json!({"jsonrpc": "2.0", "id": id, "result": null}));
                }
                continue;
            }
            if v.get("id") == Some(&json!(id)) {
                return v;
            }
        }
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        self.request_with(method, params, true)
    }

    fn initialize(&mut self) {
        let r = self.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {
                "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}
            }}),
        );
        assert!(r.get("result").is_some(), "{r}");
        self.notify("initialized", json!({}));
    }

    /// The next error response with a `null` id (the answer to a frame that had no usable id).
    fn next_error(&mut self) -> Value {
        loop {
            let v = self.next();
            if v.get("error").is_some() {
                return v;
            }
        }
    }

    fn wait(&mut self) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if start.elapsed() > TIMEOUT {
                let _ = self.child.kill();
                panic!("aims lsp did not exit within {TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn exit_after_shutdown_is_status_0() {
    let mut s = Server::start();
    s.initialize();
    let r = s.request("shutdown", Value::Null);
    assert!(r.get("error").is_none(), "{r}");
    // the client keeps stdin open: `exit` alone must end the process
    s.notify("exit", Value::Null);
    assert_eq!(s.wait().code(), Some(0));
}

#[test]
fn exit_without_shutdown_is_status_1() {
    let mut s = Server::start();
    s.initialize();
    s.notify("exit", Value::Null);
    assert_eq!(s.wait().code(), Some(1));
}

#[test]
fn end_of_input_ends_the_server() {
    let mut s = Server::start();
    s.initialize();
    drop(s.stdin.take());
    assert_eq!(s.wait().code(), Some(1));
    // after shutdown, the end of input is a clean end
    let mut s = Server::start();
    s.initialize();
    s.request("shutdown", Value::Null);
    drop(s.stdin.take());
    assert_eq!(s.wait().code(), Some(0));
}

#[test]
fn malformed_frames_are_answered_and_the_server_keeps_serving() {
    let mut s = Server::start();
    s.initialize();
    let symbols = json!({"query": ""});
    let bad: Vec<(&str, Vec<u8>)> = vec![
        ("bad JSON", b"Content-Length: 9\r\n\r\n{not json".to_vec()),
        (
            "a non-number length",
            b"Content-Length: ten\r\n\r\n".to_vec(),
        ),
        (
            "no Content-Length",
            b"Content-Type: text/plain\r\n\r\n".to_vec(),
        ),
        (
            "a body that is no JSON-RPC message",
            b"Content-Length: 9\r\n\r\n{\"a\": 1 }".to_vec(),
        ),
    ];
    for (what, bytes) in bad {
        s.raw(&bytes);
        let e = s.next_error();
        assert_eq!(e["id"], Value::Null, "{what}: {e}");
        let code = e["error"]["code"].as_i64().unwrap();
        assert!(code == -32700 || code == -32600, "{what}: {e}");
        let r = s.request("workspace/symbol", symbols.clone());
        assert!(
            r.get("result").is_some(),
            "{what}: the server stopped serving: {r}"
        );
    }
    // a Content-Length too large: the next frame is not swallowed
    let next =
        json!({"jsonrpc": "2.0", "id": 900, "method": "workspace/symbol", "params": {"query": ""}});
    let mut bytes = b"Content-Length: 400\r\n\r\n{\"jsonrpc\":\"2.0\",\"method\":\"x\"}".to_vec();
    bytes.extend(frame(&next));
    s.raw(&bytes);
    let mut answered = false;
    let mut errored = false;
    while !(answered && errored) {
        let v = s.next();
        if v["id"] == 900 {
            answered = true;
        } else if v["error"]["code"] == -32700 {
            errored = true;
        }
    }
    // a Content-Length too small: an error for the cut body, the tail skipped
    let body =
        json!({"jsonrpc": "2.0", "id": 901, "method": "workspace/symbol", "params": {"query": ""}})
            .to_string();
    s.raw(format!("Content-Length: 12\r\n\r\n{body}").as_bytes());
    assert_eq!(s.next_error()["error"]["code"], -32700);
    let r = s.request("shutdown", Value::Null);
    assert!(r.get("error").is_none(), "{r}");
    s.notify("exit", Value::Null);
    assert_eq!(s.wait().code(), Some(0));
}

#[test]
fn an_unanswered_register_capability_does_not_stop_the_server() {
    let mut s = Server::start();
    let r = s.request_with(
        "initialize",
        json!({"processId": null, "rootUri": null, "capabilities": {
            "workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}
        }}),
        false,
    );
    assert!(r.get("result").is_some());
    s.notify("initialized", json!({}));
    // the server now asks client/registerCapability, which this client never answers
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.aims");
    let uri = format!("file://{}", path.display());
    let text = "control C-1 \"t\" {\n  require true\n}\n";
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri, "languageId": "aims", "version": 1, "text": text}}),
    );
    for _ in 0..3 {
        let r = s.request_with(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": uri}}),
            false,
        );
        assert!(r["result"].is_array(), "{r}");
    }
    let r = s.request_with("shutdown", Value::Null, false);
    assert!(r.get("error").is_none(), "{r}");
    s.notify("exit", Value::Null);
    assert_eq!(s.wait().code(), Some(0));
}

/// A small deterministic generator (no dependency): the same stream on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

#[test]
fn the_server_survives_a_mangled_frame_stream() {
    let mut s = Server::start();
    s.initialize();
    let mut rng = Lcg(42);
    let valid = frame(
        &json!({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": {"uri": "file:///tmp/aims-fuzz/x.aims", "languageId": "aims", "version": 1,
            "text": "control X-1 \"x\" {\n  require true\n}\n"}}}),
    );
    let mut stream = Vec::new();
    for _ in 0..200 {
        let mut f = valid.clone();
        match rng.below(5) {
            0 => {} // intact
            1 => {
                // flip a few bytes anywhere (header or body)
                for _ in 0..1 + rng.below(4) {
                    let i = rng.below(f.len());
                    f[i] = rng.next() as u8;
                }
            }
            2 => f.truncate(rng.below(f.len())),
            3 => {
                let i = rng.below(f.len());
                f.insert(i, b'\n');
            }
            _ => f = (0..rng.below(64)).map(|_| rng.next() as u8).collect(),
        }
        stream.extend(f);
    }
    s.raw(&stream);
    // whatever it made of that, it still answers (shutdown: id 2; initialize was 1)
    let r = s.request("shutdown", Value::Null);
    assert!(r.get("error").is_none(), "{r}");
    s.notify("exit", Value::Null);
    assert_eq!(s.wait().code(), Some(0));
}
