//! The server's stdio transport: `Content-Length` framing read and written by our own threads,
//! in place of `lsp_server::Connection::stdio`, whose reader allocates whatever length a header
//! claims (an absurd one aborts the process) and stops at the first body that is not a message.
//!
//! Here a frame over [`MAX_MESSAGE`] is skipped without being held in memory, a body that is
//! not JSON gets JSON-RPC's `Parse error` and one that is JSON but not a message gets
//! `Invalid Request`, and the session goes on: an editor's server survives a client's bug.

use lsp_server::{Connection, Message};
use serde_json::{json, Value};
use std::io::{self, BufRead, Read, Write};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The largest message read: a whole journey file in a `didOpen` is far below it.
pub const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// The reader and writer threads; join them once the connection is dropped.
pub struct Threads {
    reader: JoinHandle<()>,
    writer: JoinHandle<io::Result<()>>,
}

impl Threads {
    pub fn join(self) -> io::Result<()> {
        // The reader may still be blocked on input the client never sends: it is not waited for.
        drop(self.reader);
        self.writer
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the writer thread failed")))
    }
}

/// Connects a server to `input` and `output`. `log` receives what the transport drops.
pub fn connect<R, W>(
    input: R,
    output: W,
    log: impl Fn(&str) + Send + 'static,
) -> (Connection, Threads)
where
    R: BufRead + Send + 'static,
    W: Write + Send + 'static,
{
    let (server, client) = Connection::memory();
    let output = Arc::new(Mutex::new(output));
    let to_server = client.sender;
    let reader_out = Arc::clone(&output);
    let reader = std::thread::spawn(move || {
        let mut input = input;
        loop {
            match read_frame(&mut input) {
                Ok(Frame::End) => break,
                Ok(Frame::TooLarge(n)) => {
                    log(&format!(
                        "skipped a message of {n} bytes (the limit is {MAX_MESSAGE})"
                    ));
                }
                Ok(Frame::Body(body)) => match serde_json::from_slice::<Message>(&body) {
                    Ok(msg) => {
                        if to_server.send(msg).is_err() {
                            break;
                        }
                    }
                    Err(e) => {
                        let (code, what, id) = match serde_json::from_slice::<Value>(&body) {
                            Ok(v) => (
                                -32600,
                                "Invalid Request",
                                v.get("id")
                                    .filter(|id| id.is_i64() || id.is_string())
                                    .cloned(),
                            ),
                            Err(_) => (-32700, "Parse error", None),
                        };
                        log(&format!("answered a malformed message with `{what}`: {e}"));
                        let answer = json!({
                            "jsonrpc": "2.0",
                            "id": id.unwrap_or(Value::Null),
                            "error": { "code": code, "message": format!("{what}: {e}") },
                        });
                        if write_raw(&reader_out, &answer).is_err() {
                            break;
                        }
                    }
                },
                Err(e) => {
                    log(&format!("stopped reading: {e}"));
                    break;
                }
            }
        }
        // Dropping the sender tells the server the client has gone.
    });
    let from_server = client.receiver;
    let writer = std::thread::spawn(move || {
        for msg in from_server {
            let mut out = output
                .lock()
                .map_err(|_| io::Error::other("the output lock was poisoned"))?;
            msg.write(&mut *out)?;
        }
        Ok(())
    });
    (server, Threads { reader, writer })
}

enum Frame {
    Body(Vec<u8>),
    TooLarge(usize),
    End,
}

/// One `Content-Length` framed body; headers other than the length are ignored, as the
/// protocol allows.
fn read_frame(input: &mut impl BufRead) -> io::Result<Frame> {
    let mut length: Option<usize> = None;
    let mut saw_header = false;
    loop {
        let mut line = String::new();
        if input.read_line(&mut line)? == 0 {
            return if saw_header {
                Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the input ended inside a message header",
                ))
            } else {
                Ok(Frame::End)
            };
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            if saw_header {
                break;
            }
            continue;
        }
        saw_header = true;
        if let Some((name, value)) = line.split_once(':') {
            if name.trim().eq_ignore_ascii_case("content-length") {
                length = Some(value.trim().parse().map_err(|_| {
                    io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!("`{}` is not a Content-Length", value.trim()),
                    )
                })?);
            }
        }
    }
    let length = length.ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "a message has no Content-Length",
        )
    })?;
    if length > MAX_MESSAGE {
        let skipped = io::copy(&mut input.by_ref().take(length as u64), &mut io::sink())?;
        if skipped < length as u64 {
            return Ok(Frame::End);
        }
        return Ok(Frame::TooLarge(length));
    }
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    Ok(Frame::Body(body))
}

fn write_raw(output: &Mutex<impl Write>, value: &Value) -> io::Result<()> {
    let body = value.to_string();
    let mut out = output
        .lock()
        .map_err(|_| io::Error::other("the output lock was poisoned"))?;
    write!(out, "Content-Length: {}\r\n\r\n{body}", body.len())?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &str) -> Vec<String> {
        let mut r = io::Cursor::new(input.as_bytes().to_vec());
        let mut out = Vec::new();
        loop {
            match read_frame(&mut r) {
                Ok(Frame::Body(b)) => out.push(String::from_utf8_lossy(&b).into_owned()),
                Ok(Frame::TooLarge(n)) => out.push(format!("too large: {n}")),
                Ok(Frame::End) => break,
                Err(e) => {
                    out.push(format!("error: {e}"));
                    break;
                }
            }
        }
        out
    }

    #[test]
    fn frames_are_read_by_their_length() {
        assert_eq!(
            frames("Content-Length: 2\r\n\r\n{}content-length: 3\r\nContent-Type: x\r\n\r\n[1]"),
            ["{}", "[1]"]
        );
    }

    #[test]
    fn an_absurd_length_is_neither_allocated_nor_fatal() {
        assert_eq!(
            frames("Content-Length: 18446744073709551616\r\n\r\n{}"),
            ["error: `18446744073709551616` is not a Content-Length"]
        );
        // Skipping reads to the end of the input rather than holding the body.
        assert_eq!(
            frames("Content-Length: 18446744073709551615\r\n\r\n{}"),
            Vec::<String>::new()
        );
        let huge = MAX_MESSAGE + 1;
        let mut input = format!("Content-Length: {huge}\r\n\r\n").into_bytes();
        input.resize(input.len() + huge, b' ');
        input.extend_from_slice(b"Content-Length: 2\r\n\r\n{}");
        assert_eq!(
            frames(&String::from_utf8_lossy(&input)),
            [format!("too large: {huge}"), "{}".to_string()]
        );
        assert_eq!(
            frames("Content-Length: x\r\n\r\n"),
            ["error: `x` is not a Content-Length"]
        );
    }
}
