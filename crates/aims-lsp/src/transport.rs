//! The byte stream between client and server: `Content-Length` framing, decoded by us before
//! `tower-lsp-server` sees it.
//!
//! Why a layer of our own: the library's decoder (a `tokio_util` codec) ends its input stream at
//! the first frame it cannot decode, so one bad frame (invalid JSON, a wrong `Content-Length`)
//! made the server exit silently. [`decode_frames`] is a pure function over bytes (easy to fuzz)
//! that never gives up: a bad frame becomes [`Frame::Invalid`] (answered with a JSON-RPC error),
//! bytes between frames become [`Frame::Skipped`] (logged), and decoding goes on at the next
//! `Content-Length` header. Only well-formed messages reach the library, re-framed.

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Request, Response};

/// The largest body accepted (the project's bound on any file it reads); a larger
/// `Content-Length` is refused rather than buffered.
pub const MAX_CONTENT_LENGTH: usize = 64 << 20;

/// A header block longer than this without its blank line is not a header.
const MAX_HEADER_BYTES: usize = 8 << 10;

/// JSON-RPC "Parse error".
pub const PARSE_ERROR: i64 = -32700;
/// JSON-RPC "Invalid Request".
pub const INVALID_REQUEST: i64 = -32600;

const CONTENT_LENGTH: &[u8] = b"content-length";

/// One unit of the input stream.
#[derive(Debug, Clone, PartialEq)]
pub enum Frame {
    /// The body of a well-formed JSON-RPC message (request, notification or response).
    Message(Vec<u8>),
    /// A frame that is not a usable message; it is answered with a JSON-RPC error `code`
    /// ([`PARSE_ERROR`] or [`INVALID_REQUEST`]) for `id` (the request's id when one could be
    /// read, else `null`).
    Invalid {
        /// The JSON-RPC error code of the answer.
        code: i64,
        /// The id answered: the request's when it could be read, else `null`.
        id: Value,
        /// What is wrong with the frame, for the answer's message and the log.
        reason: String,
    },
    /// Bytes that are not part of any frame (skipped up to the next header); logged only.
    Skipped {
        /// How many bytes were skipped.
        len: usize,
    },
}

impl Frame {
    /// The error response for an invalid frame.
    pub fn reply(&self) -> Option<Value> {
        match self {
            Frame::Invalid { code, id, reason } => Some(serde_json::json!({
                "jsonrpc": "2.0",
                "id": id,
                "error": {"code": code, "message": reason},
            })),
            _ => None,
        }
    }
}

/// What [`decode_frames`] read.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The frames, in order.
    pub frames: Vec<Frame>,
    /// How many leading bytes of the input they used; the rest is an incomplete frame to be
    /// decoded again once more bytes arrived (always everything when `at_eof`).
    pub consumed: usize,
}

/// Split `input` into frames. With `at_eof` the input is complete: a trailing incomplete frame is
/// reported as [`Frame::Invalid`] instead of waiting for more. Never panics, never loops without
/// progress, and a valid frame is never lost because of a broken one before it: after a bad frame
/// decoding resumes at the next `Content-Length` header.
pub fn decode_frames(input: &[u8], at_eof: bool) -> Decoded {
    let mut frames = Vec::new();
    let mut pos = 0;
    while let Some(rest) = input.get(pos..).filter(|r| !r.is_empty()) {
        // resynchronise on a header: skip whatever comes before one
        if !starts_with_ci(rest, b"content-") {
            match find_ci(rest, CONTENT_LENGTH) {
                Some(k) => {
                    skipped(&mut frames, rest.get(..k).unwrap_or_default());
                    pos += k;
                    continue;
                }
                None => {
                    // keep a tail that may be the start of a header cut by the read
                    let keep = if at_eof {
                        0
                    } else {
                        CONTENT_LENGTH.len().min(rest.len())
                    };
                    let drop = rest.len() - keep;
                    skipped(&mut frames, rest.get(..drop).unwrap_or_default());
                    pos += drop;
                    break;
                }
            }
        }
        let Some(header_len) = find(rest, b"\r\n\r\n") else {
            if rest.len() > MAX_HEADER_BYTES {
                frames.push(parse_error("a header block without its end".into()));
                pos += 1; // the next round skips to the following header
                continue;
            }
            if at_eof {
                frames.push(parse_error("the input ends inside a header".into()));
                pos = input.len();
            }
            break;
        };
        let body_start = header_len + 4;
        let len = match content_length(rest.get(..header_len).unwrap_or_default()) {
            Ok(n) => n,
            Err(reason) => {
                frames.push(parse_error(reason));
                pos += body_start;
                continue;
            }
        };
        let available = rest.get(body_start..).unwrap_or_default();
        let seen = available
            .get(..len.min(available.len()))
            .unwrap_or_default();
        if let Some(k) = next_frame_inside(seen) {
            frames.push(parse_error(format!(
                "Content-Length {len} does not match the body: a new frame starts after {k} bytes"
            )));
            pos += body_start + k;
            continue;
        }
        let Some(body) = available.get(..len) else {
            if at_eof {
                frames.push(parse_error(format!(
                    "the input ends {} bytes into a body of Content-Length {len}",
                    available.len()
                )));
                pos = input.len();
            }
            break;
        };
        frames.push(classify(body));
        pos += body_start + len;
    }
    Decoded {
        frames,
        consumed: pos.min(input.len()),
    }
}

fn skipped(frames: &mut Vec<Frame>, bytes: &[u8]) {
    // blank lines between frames are tolerated silently
    if !bytes.iter().all(u8::is_ascii_whitespace) {
        frames.push(Frame::Skipped { len: bytes.len() });
    }
}

fn parse_error(reason: String) -> Frame {
    Frame::Invalid {
        code: PARSE_ERROR,
        id: Value::Null,
        reason,
    }
}

/// The `Content-Length` of a header block (lines `Name: value`; other headers are ignored).
fn content_length(header: &[u8]) -> Result<usize, String> {
    let text = std::str::from_utf8(header).map_err(|_| "a header that is not UTF-8".to_string())?;
    let mut len = None;
    for line in text.split("\r\n") {
        let Some((name, value)) = line.split_once(':') else {
            return Err(format!("a header line without `:`: {:?}", clip(line)));
        };
        if name.trim().eq_ignore_ascii_case("content-length") {
            let n: usize = value
                .trim()
                .parse()
                .map_err(|_| format!("Content-Length is not a number: {:?}", clip(value)))?;
            if n > MAX_CONTENT_LENGTH {
                return Err(format!(
                    "Content-Length {n} is over the limit of {MAX_CONTENT_LENGTH} bytes"
                ));
            }
            if n == 0 {
                return Err("Content-Length 0: an empty message".into());
            }
            len = Some(n);
        }
    }
    len.ok_or_else(|| "a header block without Content-Length".to_string())
}

fn clip(s: &str) -> String {
    s.trim().chars().take(40).collect()
}

/// Where, inside what a header announced as one body, the next frame visibly starts (the
/// announced length was too large, or the body was cut short). A `Content-Length` that is
/// followed by a raw line break before any `"` cannot be part of a valid body: outside a string
/// the letters are not JSON, and inside one the raw line break is not allowed; so this never cuts
/// a valid message.
fn next_frame_inside(body: &[u8]) -> Option<usize> {
    let mut from = 0;
    while let Some(k) = body.get(from..).and_then(|b| find_ci(b, CONTENT_LENGTH)) {
        let at = from + k;
        let after = body.get(at + CONTENT_LENGTH.len()..).unwrap_or_default();
        let line_break_first = after
            .iter()
            .find(|b| matches!(b, b'"' | b'\r' | b'\n'))
            .is_some_and(|b| *b != b'"');
        if line_break_first {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// A complete body: a message the library can route, or the error to answer.
fn classify(body: &[u8]) -> Frame {
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return parse_error(format!("the body is not JSON: {e}")),
    };
    let routable = serde_json::from_value::<Response>(value.clone()).is_ok()
        || serde_json::from_value::<Request>(value.clone()).is_ok();
    if routable {
        return Frame::Message(body.to_vec());
    }
    let id = match value.get("id") {
        Some(id @ (Value::Number(_) | Value::String(_))) => id.clone(),
        _ => Value::Null,
    };
    Frame::Invalid {
        code: INVALID_REQUEST,
        id,
        reason: "not a JSON-RPC 2.0 request, notification or response".into(),
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

fn starts_with_ci(hay: &[u8], prefix: &[u8]) -> bool {
    match hay.get(..prefix.len()) {
        Some(h) => h.eq_ignore_ascii_case(prefix),
        // a header cut by the read: what arrived so far must agree
        None => prefix
            .get(..hay.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(hay)),
    }
}

/// `Content-Length` framing of one body.
pub fn encode_frame(body: &[u8]) -> Vec<u8> {
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend_from_slice(body);
    out
}

/// What the input pump saw of the session's lifecycle.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Seen {
    pub shutdown: bool,
    pub exit: bool,
}

fn method_of(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct M {
        method: Option<String>,
    }
    let m: M = serde_json::from_slice(body).ok()?;
    m.method
}

/// Read the client's bytes, forward well-formed messages (re-framed) to `server`, answer invalid
/// frames through `replies`, and stop at end of input or after `exit`.
pub(crate) async fn pump_input<I, S>(
    mut input: I,
    mut server: S,
    replies: mpsc::UnboundedSender<Value>,
    seen: &mut Seen,
) where
    I: AsyncRead + Unpin,
    S: AsyncWrite + Unpin,
{
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    loop {
        let n = input.read(&mut chunk).await.unwrap_or(0);
        let at_eof = n == 0;
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
        let decoded = decode_frames(&buf, at_eof);
        buf.drain(..decoded.consumed);
        for frame in decoded.frames {
            match frame {
                Frame::Message(body) => {
                    match method_of(&body).as_deref() {
                        Some("shutdown") => seen.shutdown = true,
                        Some("exit") => seen.exit = true,
                        _ => {}
                    }
                    if server.write_all(&encode_frame(&body)).await.is_err() {
                        return;
                    }
                    if seen.exit {
                        // the client may keep its end open: stop reading now
                        let _ = server.flush().await;
                        return;
                    }
                }
                Frame::Skipped { len } => {
                    eprintln!("aims lsp: skipped {len} bytes that are not a frame");
                }
                invalid @ Frame::Invalid { .. } => {
                    if let Frame::Invalid { reason, .. } = &invalid {
                        eprintln!("aims lsp: malformed frame: {reason}");
                    }
                    if let Some(reply) = invalid.reply() {
                        let _ = replies.send(reply);
                    }
                }
            }
        }
        let _ = server.flush().await;
        if at_eof {
            return;
        }
    }
}

/// Copy the library's framed output to the client, frame by frame, with our error replies
/// between frames (never inside one).
pub(crate) async fn merge_output<R, O>(
    mut from_server: R,
    mut replies: mpsc::UnboundedReceiver<Value>,
    output: O,
) where
    R: AsyncRead + Unpin,
    O: AsyncWrite,
{
    tokio::pin!(output);
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 64 << 10];
    let mut replies_open = true;
    loop {
        tokio::select! {
            biased;
            n = from_server.read(&mut chunk) => {
                let n = n.unwrap_or(0);
                buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
                let decoded = decode_frames(&buf, n == 0);
                buf.drain(..decoded.consumed);
                for frame in decoded.frames {
                    if let Frame::Message(body) = frame {
                        if output.write_all(&encode_frame(&body)).await.is_err() {
                            return;
                        }
                    }
                }
                if n == 0 {
                    while let Ok(reply) = replies.try_recv() {
                        let _ = output.write_all(&encode_frame(reply.to_string().as_bytes())).await;
                    }
                    let _ = output.flush().await;
                    return;
                }
                if output.flush().await.is_err() {
                    return;
                }
            }
            reply = replies.recv(), if replies_open => {
                match reply {
                    Some(reply) => {
                        let frame = encode_frame(reply.to_string().as_bytes());
                        if output.write_all(&frame).await.is_err() || output.flush().await.is_err() {
                            return;
                        }
                    }
                    None => replies_open = false,
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn frame(body: &str) -> String {
        format!("Content-Length: {}\r\n\r\n{body}", body.len())
    }

    const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{}}"#;
    const EXIT: &str = r#"{"jsonrpc":"2.0","method":"exit"}"#;

    fn messages(d: &Decoded) -> Vec<String> {
        d.frames
            .iter()
            .filter_map(|f| match f {
                Frame::Message(b) => Some(String::from_utf8(b.clone()).unwrap()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn well_formed_frames_split_anywhere() {
        let input = format!("{}{}", frame(INIT), frame(EXIT));
        for cut in 0..input.len() {
            let (a, b) = input.as_bytes().split_at(cut);
            let first = decode_frames(a, false);
            let mut rest = a[first.consumed..].to_vec();
            rest.extend_from_slice(b);
            let second = decode_frames(&rest, true);
            let mut all = messages(&first);
            all.extend(messages(&second));
            assert_eq!(all, vec![INIT, EXIT], "cut at {cut}");
            assert!(first
                .frames
                .iter()
                .chain(&second.frames)
                .all(|f| matches!(f, Frame::Message(_))));
        }
    }

    #[test]
    fn bad_json_is_answered_and_the_next_frame_is_read() {
        let input = format!("{}{}", frame("{not json"), frame(EXIT));
        let d = decode_frames(input.as_bytes(), false);
        assert_eq!(d.frames.len(), 2, "{d:?}");
        assert!(matches!(
            &d.frames[0],
            Frame::Invalid {
                code: PARSE_ERROR,
                ..
            }
        ));
        assert_eq!(messages(&d), vec![EXIT]);
        assert_eq!(d.consumed, input.len());
    }

    #[test]
    fn too_large_content_length_does_not_swallow_the_next_frame() {
        let bad = format!("Content-Length: 500\r\n\r\n{INIT}");
        let input = format!("{bad}{}", frame(EXIT));
        // no need to wait for 500 bytes: the next header shows where the body really ended
        let d = decode_frames(input.as_bytes(), false);
        assert!(
            matches!(
                &d.frames[0],
                Frame::Invalid {
                    code: PARSE_ERROR,
                    ..
                }
            ),
            "{d:?}"
        );
        assert_eq!(messages(&d), vec![EXIT]);
    }

    #[test]
    fn too_small_content_length_skips_the_tail() {
        let input = format!("Content-Length: 10\r\n\r\n{INIT}{}", frame(EXIT));
        let d = decode_frames(input.as_bytes(), false);
        assert!(
            matches!(
                &d.frames[0],
                Frame::Invalid {
                    code: PARSE_ERROR,
                    ..
                }
            ),
            "{d:?}"
        );
        assert!(matches!(&d.frames[1], Frame::Skipped { .. }), "{d:?}");
        assert_eq!(messages(&d), vec![EXIT]);
    }

    #[test]
    fn a_non_number_length_and_a_missing_length_are_answered() {
        for header in [
            "Content-Length: ten",
            "Content-Type: x",
            "Content-Length: 99999999999",
        ] {
            let input = format!("{header}\r\n\r\n{}", frame(EXIT));
            let d = decode_frames(input.as_bytes(), false);
            assert!(
                matches!(
                    &d.frames[0],
                    Frame::Invalid {
                        code: PARSE_ERROR,
                        ..
                    }
                ),
                "{header}: {d:?}"
            );
            assert_eq!(messages(&d), vec![EXIT], "{header}");
        }
    }

    #[test]
    fn json_that_is_not_a_message_keeps_its_id() {
        let input = frame(r#"{"jsonrpc":"1.0","id":7,"method":"x"}"#);
        let d = decode_frames(input.as_bytes(), false);
        assert_eq!(d.frames.len(), 1);
        let reply = d.frames[0].reply().unwrap();
        assert_eq!(reply["id"], 7);
        assert_eq!(reply["error"]["code"], INVALID_REQUEST);
    }

    #[test]
    fn a_truncated_frame_waits_then_is_reported_at_eof() {
        let input = "Content-Length: 40\r\n\r\n{\"jsonrpc\"".to_string();
        let d = decode_frames(input.as_bytes(), false);
        assert!(d.frames.is_empty());
        assert_eq!(d.consumed, 0);
        let d = decode_frames(input.as_bytes(), true);
        assert!(matches!(&d.frames[0], Frame::Invalid { .. }));
        assert_eq!(d.consumed, input.len());
    }

    #[test]
    fn a_valid_body_mentioning_content_length_is_kept() {
        let body =
            r#"{"jsonrpc":"2.0","method":"x","params":{"t":"a\nContent-Length: 3\r\n\r\n{}"}}"#;
        let input = frame(body);
        let d = decode_frames(input.as_bytes(), false);
        assert_eq!(messages(&d), vec![body]);
    }

    fn decode_in_two(input: &[u8], cut: usize) -> Vec<String> {
        let (a, b) = input.split_at(cut.min(input.len()));
        let first = decode_frames(a, false);
        assert!(first.consumed <= a.len());
        let mut rest = a[first.consumed..].to_vec();
        rest.extend_from_slice(b);
        let second = decode_frames(&rest, true);
        assert_eq!(second.consumed, rest.len());
        let mut all = messages(&first);
        all.extend(messages(&second));
        all
    }

    proptest::proptest! {
        /// Whatever the bytes and wherever a read cuts them, the messages decoded are the same
        /// as in one go, and every valid frame that follows a newline-ended chunk of garbage
        /// survives.
        #[test]
        fn reads_cut_anywhere_decode_the_same(
            parts in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just(frame(INIT).into_bytes()),
                    proptest::strategy::Just(frame(EXIT).into_bytes()),
                    proptest::collection::vec(proptest::num::u8::ANY, 0..40),
                    proptest::strategy::Just(b"Content-Length: 9\r\n\r\n{not json".to_vec()),
                    proptest::strategy::Just(b"Content-Length: 400\r\n\r\n{".to_vec()),
                ],
                0..8,
            ),
            cut in 0usize..2000,
        ) {
            let input: Vec<u8> = parts.concat();
            let whole = decode_frames(&input, true);
            proptest::prop_assert_eq!(whole.consumed, input.len());
            proptest::prop_assert_eq!(decode_in_two(&input, cut), messages(&whole));
        }
    }

    #[test]
    fn garbage_never_stalls() {
        let input = b"\x00\xffContent-\r\n\r\nContent-Length:\r\n\r\nContent-Length: 2\r\n\r\n{}";
        for eof in [false, true] {
            let d = decode_frames(input, eof);
            assert!(d.consumed > 0);
            assert!(messages(&d).is_empty());
        }
    }
}
