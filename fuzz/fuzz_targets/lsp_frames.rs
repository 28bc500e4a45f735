//! The language server's frame decoder (`aims_lsp::transport::decode_frames`), which sees every
//! byte a client sends before the protocol library does. What must hold: no panic and progress
//! (with `at_eof` everything is consumed); every message handed on is JSON; an error reply is a
//! JSON-RPC error; the messages do not depend on how reads cut the stream (the input decoded in
//! two reads, split where the first byte says, gives the same messages as in one); and the
//! messages, framed again, decode to themselves.
#![no_main]

use aims_lsp::transport::{decode_frames, encode_frame, Frame};
use libfuzzer_sys::fuzz_target;

fn messages(frames: &[Frame]) -> Vec<&[u8]> {
    frames
        .iter()
        .filter_map(|f| match f {
            Frame::Message(body) => Some(body.as_slice()),
            _ => None,
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let Some((&cut, input)) = data.split_first() else {
        return;
    };
    let whole = decode_frames(input, true);
    assert_eq!(whole.consumed, input.len(), "at end of input everything is consumed");
    for f in &whole.frames {
        if let Frame::Message(body) = f {
            assert!(serde_json::from_slice::<serde_json::Value>(body).is_ok(), "a message that is not JSON");
        }
        if let Some(reply) = f.reply() {
            assert_eq!(reply["jsonrpc"], "2.0");
            assert!(reply["error"]["code"].is_i64(), "{reply}");
        }
    }

    // two reads: the first ends at `cut` (scaled to the input), the rest arrives later
    let split = input.len() * usize::from(cut) / 255;
    let (first, second) = input.split_at(split.min(input.len()));
    let one = decode_frames(first, false);
    assert!(one.consumed <= first.len(), "consumed more than was read");
    let mut rest = first.get(one.consumed..).unwrap_or_default().to_vec();
    rest.extend_from_slice(second);
    let two = decode_frames(&rest, true);
    let mut chunked = messages(&one.frames);
    chunked.extend(messages(&two.frames));
    assert_eq!(chunked, messages(&whole.frames), "messages depend on where the reads cut the stream");

    // framed again, the messages decode to themselves
    let reframed: Vec<u8> = messages(&whole.frames).iter().flat_map(|m| encode_frame(m)).collect();
    let again = decode_frames(&reframed, true);
    assert_eq!(messages(&again.frames), messages(&whole.frames), "re-framed messages changed");
    assert!(again.frames.iter().all(|f| matches!(f, Frame::Message(_))), "re-framed stream has bad frames");
});
