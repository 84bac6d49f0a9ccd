//! Drives `journeyc lsp` as an editor would: the real binary, JSON-RPC with `Content-Length`
//! framing over its stdin and stdout, one session from `initialize` to `exit`.
//!
//! Every wait has a deadline, so a server that hangs fails the test instead of hanging CI.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(30);

struct Client {
    child: Child,
    stdin: Option<ChildStdin>,
    messages: Receiver<Value>,
    /// Notifications received while waiting for something else.
    pending: Vec<Value>,
    next_id: i64,
}

impl Client {
    fn start() -> Client {
        let mut child = Command::new(env!("CARGO_BIN_EXE_journeyc"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start journeyc lsp");
        let stdout = child.stdout.take().expect("stdout");
        let stdin = child.stdin.take();
        let (tx, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            while let Some(msg) = read_message(&mut reader) {
                if tx.send(msg).is_err() {
                    break;
                }
            }
        });
        Client {
            child,
            stdin,
            messages,
            pending: Vec::new(),
            next_id: 1,
        }
    }

    fn send(&mut self, msg: Value) {
        let body = msg.to_string();
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
        stdin.flush().expect("flush");
    }

    /// Sends a framed body as it is, whatever it holds.
    fn send_raw(&mut self, body: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        write!(stdin, "Content-Length: {}\r\n\r\n", body.len()).expect("write");
        stdin.write_all(body).expect("write");
        stdin.flush().expect("flush");
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({ "jsonrpc": "2.0", "method": method, "params": params }));
    }

    /// Sends a request and returns its whole response (`result` or `error`).
    fn call(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params }));
        self.wait_for(|m| m["id"] == json!(id) && m.get("method").is_none())
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let resp = self.call(method, params);
        assert!(resp.get("error").is_none(), "{method} failed: {resp}");
        resp["result"].clone()
    }

    fn wait_for(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self.pending.iter().position(&pred) {
            return self.pending.remove(i);
        }
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.messages.recv_timeout(left) {
                Ok(m) if pred(&m) => return m,
                Ok(m) => self.pending.push(m),
                Err(RecvTimeoutError::Timeout) => panic!("the server did not answer in time"),
                Err(RecvTimeoutError::Disconnected) => panic!("the server closed stdout"),
            }
        }
    }

    /// The diagnostics published last for `uri`, after waiting for at least one publication.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        let is_for = |m: &Value| {
            m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
        };
        let mut last = self.wait_for(is_for);
        while let Some(i) = self.pending.iter().position(is_for) {
            last = self.pending.remove(i);
        }
        last["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// Waits for a publication for `uri` whose diagnostics satisfy `pred` (earlier ones may
    /// still be on their way).
    fn diagnostics_until(&mut self, uri: &str, pred: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        loop {
            let d = self.diagnostics(uri);
            if pred(&d) {
                return d;
            }
        }
    }

    fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "journey", "version": 1, "text": text } }),
        );
    }

    fn change(&mut self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": version }, "contentChanges": [{ "text": text }] }),
        );
    }

    /// Waits for the process to end and returns its exit code.
    fn wait_exit(&mut self) -> Option<i32> {
        self.stdin = None;
        let deadline = Instant::now() + TIMEOUT;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status.code();
            }
            if Instant::now() > deadline {
                panic!("the server did not exit");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_message(reader: &mut impl BufRead) -> Option<Value> {
    let mut length = None;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse::<usize>().ok();
        }
    }
    let mut body = vec![0; length?];
    reader.read_exact(&mut body).ok()?;
    serde_json::from_slice(&body).ok()
}

fn uri_of(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn pos(line: u32, character: u32) -> Value {
    json!({ "line": line, "character": character })
}

/// The LSP position (UTF-16 column) `extra` bytes after the start of the first `needle`.
fn find(text: &str, needle: &str, extra: usize) -> Value {
    let at = text.find(needle).expect("needle in text") + extra;
    let line = text[..at].matches('\n').count() as u32;
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let col: usize = text[start..at].chars().map(char::len_utf16).sum();
    pos(line, col as u32)
}

const COMMON: &str = r#"enum plan { free, trial, pro }

customer {
  plan: plan = free
  seats: int = 1
}

event signed_up { source: string }
event upgraded { plan: plan }
channel email { cap 3 per 1d }
touchpoint welcome { channel email  template "welcome-v2"  subject "Welcome aboard" }
"#;

const MAIN: &str = r#"import "common.journey"

// Trial customers: welcome them — then wait for the upgrade.
journey trial_to_paid {
  trigger signed_up where plan == trial and seats > 0
  goal upgraded where event.plan == pro within 14d
  onboarding {
    send welcome
    wait upgraded up to 3d {
      set plan = event.plan
    }
  }
  stage engagement {
    wait 2d
    milestone engaged
  }
}
"#;

const BROKEN: &str = r#"event started
journey broken {
  trigger started
  onboarding {
    /* déjà 😀 */ send nope
  }
}
"#;

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("journey.toml"), "").expect("write");
    std::fs::write(dir.path().join("common.journey"), COMMON).expect("write");
    std::fs::write(dir.path().join("main.journey"), MAIN).expect("write");
    dir
}

fn initialize(client: &mut Client, root: &Path) {
    let result = client.request(
        "initialize",
        json!({ "processId": null, "rootUri": uri_of(root), "capabilities": {} }),
    );
    assert_eq!(result["serverInfo"]["name"], "journeyc");
    assert_eq!(result["capabilities"]["hoverProvider"], true);
    client.notify("initialized", json!({}));
}

#[test]
fn a_session_answers_every_feature() {
    let dir = project();
    let main = uri_of(&dir.path().join("main.journey"));
    let common = uri_of(&dir.path().join("common.journey"));
    let mut c = Client::start();
    initialize(&mut c, dir.path());

    // A clean file: no diagnostics.
    c.open(&main, MAIN);
    assert_eq!(c.diagnostics(&main), Vec::<Value>::new());

    // Hover on a touchpoint shows its channel and template.
    let hover = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": main }, "position": find(MAIN, "send welcome", 6) }),
    );
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("channel: `email`"), "{text}");
    assert!(text.contains("welcome-v2"), "{text}");

    // Hover on an event lists its fields with types; on an attribute, its type and default.
    let hover = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": main }, "position": find(MAIN, "wait upgraded", 6) }),
    );
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("event upgraded {\n  plan: plan\n}"), "{text}");
    let hover = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": main }, "position": find(MAIN, "seats > 0", 1) }),
    );
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("seats: int = 1"), "{text}");
    // A duration in words.
    let hover = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": main }, "position": find(MAIN, "14d", 1) }),
    );
    assert_eq!(hover["contents"]["value"], "2 weeks (14 days)");

    // Go to definition across the import, with the exact range of the name.
    let def = c.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": main }, "position": find(MAIN, "send welcome", 7) }),
    );
    assert_eq!(def["uri"], common);
    assert_eq!(def["range"]["start"], find(COMMON, "welcome {", 0));
    assert_eq!(def["range"]["end"], find(COMMON, "welcome {", 7));
    // An enum value compared with an attribute goes to the enum's declaration.
    let def = c.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": main }, "position": find(MAIN, "trial and", 2) }),
    );
    assert_eq!(def["uri"], common);
    assert_eq!(def["range"]["start"], find(COMMON, "trial,", 0));
    // The path of an import goes to the imported file.
    let def = c.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": main }, "position": find(MAIN, "common.journey", 2) }),
    );
    assert_eq!(def["uri"], common);
    assert_eq!(def["range"]["start"], pos(0, 0));
    // A comment has no definition.
    let none = c.request(
        "textDocument/definition",
        json!({ "textDocument": { "uri": main }, "position": find(MAIN, "Trial customers", 2) }),
    );
    assert_eq!(none, Value::Null);

    // References to `plan` (the attribute) in both files, with the declaration.
    let refs = c.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": main }, "position": find(MAIN, "set plan", 5),
                "context": { "includeDeclaration": true } }),
    );
    let refs = refs.as_array().cloned().unwrap_or_default();
    let in_common = refs.iter().filter(|r| r["uri"] == common).count();
    let in_main = refs.iter().filter(|r| r["uri"] == main).count();
    assert_eq!((in_common, in_main), (1, 2), "{refs:?}");

    // Completion: touchpoints after `send`, events after `wait`, enum values after `plan ==`,
    // fields after `event.`, and keywords in a block.
    let complete = |c: &mut Client, text: &str, needle: &str| -> Vec<String> {
        c.change(&main, 2, text);
        let items = c.request(
            "textDocument/completion",
            json!({ "textDocument": { "uri": main }, "position": find(text, needle, needle.len()) }),
        );
        items
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .filter_map(|i| i["label"].as_str().map(str::to_string))
            .collect()
    };
    let half = MAIN.replace("send welcome", "send w");
    assert_eq!(complete(&mut c, &half, "send w"), ["welcome"]);
    let half = MAIN.replace("wait 2d", "wait ");
    let labels = complete(&mut c, &half, "engagement {\n    wait ");
    assert!(labels.contains(&"upgraded".to_string()), "{labels:?}");
    let half = MAIN.replace("plan == trial and", "plan == ");
    let labels = complete(&mut c, &half, "plan == ");
    assert!(
        labels.starts_with(&["free".to_string(), "trial".into(), "pro".into()]),
        "{labels:?}"
    );
    let half = MAIN.replace("event.plan", "event.");
    assert_eq!(complete(&mut c, &half, "event."), ["plan"]);
    // `trigger.` offers the trigger event's fields, not the wait's.
    let half = MAIN.replace("    wait 2d\n", "    if trigger.\n");
    assert_eq!(complete(&mut c, &half, "if trigger."), ["source"]);
    let half = MAIN.replace("    wait 2d\n", "    \n");
    let labels = complete(&mut c, &half, "engagement {\n    ");
    assert!(labels.contains(&"send".to_string()) && labels.contains(&"milestone".to_string()));
    let labels = complete(&mut c, &MAIN.replace("set plan", "set "), "set ");
    assert_eq!(labels, ["plan", "seats"]);
    // `requires E where event.`: the fields of E.
    let half = format!(
        "{MAIN}touchpoint receipt {{ channel email  template \"r\"  requires upgraded, signed_up where event."
    );
    assert_eq!(
        complete(&mut c, &half, "signed_up where event."),
        ["source"]
    );
    // After `trigger`: the events, and the two entries without one; after `trigger when`, the
    // attributes the condition may read.
    let half = MAIN.replace(
        "trigger signed_up where plan == trial and seats > 0",
        "trigger ",
    );
    let labels = complete(&mut c, &half, "trigger ");
    assert!(
        labels.contains(&"signed_up".to_string())
            && labels.contains(&"every".to_string())
            && labels.contains(&"when".to_string()),
        "{labels:?}"
    );
    let half = MAIN.replace(
        "trigger signed_up where plan == trial and seats > 0",
        "trigger when ",
    );
    assert_eq!(complete(&mut c, &half, "trigger when "), ["plan", "seats"]);

    // Every request on a broken document still answers.
    let broken_text = "journey x {\n  trigger \n  onboarding { send ";
    c.change(&main, 3, broken_text);
    for method in [
        "textDocument/hover",
        "textDocument/definition",
        "textDocument/documentSymbol",
    ] {
        let resp = c.call(
            method,
            json!({ "textDocument": { "uri": main }, "position": pos(2, 20), "context": { "includeDeclaration": true } }),
        );
        assert!(resp.get("error").is_none(), "{method}: {resp}");
    }
    // A position far outside the text is clamped, not an error.
    let resp = c.call(
        "textDocument/hover",
        json!({ "textDocument": { "uri": main }, "position": pos(99, 99) }),
    );
    assert!(resp.get("error").is_none(), "{resp}");
    c.change(&main, 4, MAIN);

    // The outline: the journey with its stages, the declarations of the other file.
    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({ "textDocument": { "uri": main } }),
    );
    let journey = symbols
        .as_array()
        .and_then(|s| s.iter().find(|s| s["name"] == "trial_to_paid"))
        .cloned()
        .expect("journey symbol");
    let children: Vec<&str> = journey["children"]
        .as_array()
        .map(|c| c.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(children, ["upgraded", "onboarding", "engagement"]);

    // Unknown requests get MethodNotFound.
    let resp = c.call("textDocument/semanticTokens/full", json!({}));
    assert_eq!(resp["error"]["code"], -32601);
    // Known requests with bad parameters get InvalidParams.
    let resp = c.call("textDocument/formatting", json!({}));
    assert_eq!(resp["error"]["code"], -32602);

    // Shutdown, then exit: exit code 0.
    assert_eq!(c.request("shutdown", Value::Null), Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit(), Some(0));
}

#[test]
fn diagnostics_carry_codes_ranges_and_related_locations_and_clear_on_close() {
    let dir = project();
    let broken = dir.path().join("broken.journey");
    std::fs::write(&broken, BROKEN).expect("write");
    let uri = uri_of(&broken);
    let mut c = Client::start();
    initialize(&mut c, dir.path());

    c.open(&uri, BROKEN);
    let diags = c.diagnostics(&uri);
    let unknown = diags
        .iter()
        .find(|d| d["code"] == "E0102")
        .unwrap_or_else(|| panic!("E0102 in {diags:?}"));
    assert_eq!(unknown["range"]["start"], find(BROKEN, "nope", 0));
    assert_eq!(unknown["range"]["end"], find(BROKEN, "nope", 4));
    assert_eq!(unknown["severity"], 1);
    assert!(unknown["message"]
        .as_str()
        .unwrap_or("")
        .contains("unknown touchpoint `nope`"));

    // An edit that the user has not saved: consent on an int attribute of the import points
    // at the attribute's declaration there, as related information.
    let edited = format!(
        "import \"common.journey\"\nchannel sms {{ consent seats }}\n{}",
        BROKEN.replace("send nope", "send welcome")
    );
    c.change(&uri, 2, &edited);
    let diags = c.diagnostics_until(&uri, |d| d.iter().any(|d| d["code"] == "E0200"));
    let mismatch = diags
        .iter()
        .find(|d| d["code"] == "E0200")
        .unwrap_or_else(|| panic!("E0200 in {diags:?}"));
    assert_eq!(mismatch["range"]["start"], find(&edited, "seats }", 0));
    let related = &mismatch["relatedInformation"][0];
    assert_eq!(
        related["location"]["uri"],
        uri_of(&dir.path().join("common.journey"))
    );
    assert_eq!(
        related["location"]["range"]["start"],
        find(COMMON, "seats:", 0)
    );
    assert_eq!(related["message"], "declared here");
    assert!(diags.iter().all(|d| d["code"] != "E0102"), "{diags:?}");

    // A duplicate of an imported name is reported where the importing file declares it again,
    // with the import's declaration as the original.
    let dup = format!(
        "import \"common.journey\"\nevent upgraded\n{}",
        BROKEN.replace("send nope", "send welcome")
    );
    c.change(&uri, 3, &dup);
    let common = uri_of(&dir.path().join("common.journey"));
    let diags = c.diagnostics_until(&uri, |d| d.iter().any(|d| d["code"] == "E0120"));
    let twice = diags.iter().find(|d| d["code"] == "E0120").expect("E0120");
    assert_eq!(twice["range"]["start"], find(&dup, "upgraded", 0));
    assert_eq!(twice["relatedInformation"][0]["location"]["uri"], common);

    // A syntax error in the middle of typing: E0001, and the server keeps going.
    c.change(
        &uri,
        4,
        "event started\njourney broken {\n  trigger started\n  onboarding { send }\n}\n",
    );
    c.diagnostics_until(&uri, |d| d.iter().any(|d| d["code"] == "E0001"));

    // Closing clears them.
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    c.diagnostics_until(&uri, |d| d.is_empty());
    // The import, which the last edit stopped bringing in, was cleared too.
    c.diagnostics_until(&common, |d| d.is_empty());

    // `exit` without `shutdown` is an unclean stop.
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit(), Some(1));
}

#[test]
fn an_open_import_is_read_from_the_editor_not_the_disk() {
    let dir = project();
    let main = uri_of(&dir.path().join("main.journey"));
    let common = uri_of(&dir.path().join("common.journey"));
    let mut c = Client::start();
    initialize(&mut c, dir.path());
    c.open(&main, MAIN);
    assert_eq!(c.diagnostics(&main), Vec::<Value>::new());
    // Rename the touchpoint in the open (unsaved) import: the importer now has an error.
    c.open(
        &common,
        &COMMON.replace("touchpoint welcome", "touchpoint hello"),
    );
    c.diagnostics_until(&main, |d| d.iter().any(|d| d["code"] == "E0102"));
    assert_eq!(c.request("shutdown", Value::Null), Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit(), Some(0));
}

/// Half-typed input must never crash the server: every example, cut at many points, answers
/// every request at many positions (in process, so a panic shows where).
#[test]
fn every_feature_answers_on_every_prefix_of_every_example() {
    use journeyc::lsp::{analysis::Analysis, completion, documents::Documents, hover};
    use journeyc::lsp::{diagnostics, navigation, outline, uri};
    let dir = tempfile::tempdir().expect("temp dir");
    let path = journeyc::project::normalize(&dir.path().join("cut.journey"));
    let mut examples: Vec<_> = std::fs::read_dir("examples")
        .expect("examples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "journey"))
        .collect();
    examples.sort();
    assert!(!examples.is_empty());
    for example in examples {
        let full = std::fs::read_to_string(&example).expect("read example");
        let cuts = (0..full.len())
            .step_by(97)
            .chain([full.len()])
            .filter(|c| full.is_char_boundary(*c));
        for cut in cuts {
            let text = &full[..cut];
            let mut docs = Documents::default();
            let u = uri::from_path(&path).expect("uri");
            docs.open(path.clone(), u, text.to_string());
            let a = Analysis::of(&path, &docs);
            let f = a.file_id(&path).expect("the document is loaded");
            let _ = diagnostics::for_file(&a, f);
            if let Some(m) = a.project.module(f) {
                let _ = outline::outline(text, m);
            }
            let model = a
                .units_of(f)
                .next()
                .map(|u| u.model.clone())
                .unwrap_or_default();
            for offset in (0..=text.len()).step_by(5) {
                let _ = hover::hover(&a, f, offset);
                let _ = navigation::definition(&a, f, offset);
                let _ = navigation::references(&a, f, offset, true);
                let _ = completion::complete(text, offset, &model);
            }
        }
    }
}

/// Completion on edits of a real example, in process: the item being typed does not parse, the
/// rest of the file gives the names.
#[test]
fn completion_reads_the_context_of_half_typed_journeys() {
    use journeyc::lsp::{analysis::Analysis, completion, documents::Documents, uri};
    let full = std::fs::read_to_string("examples/saas_trial.journey").expect("example");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = journeyc::project::normalize(&dir.path().join("edit.journey"));
    let labels = |from: &str, to: &str, cursor_after: &str| -> Vec<String> {
        assert!(full.contains(from), "{from}");
        let text = full.replacen(from, to, 1);
        let mut docs = Documents::default();
        docs.open(
            path.clone(),
            uri::from_path(&path).expect("uri"),
            text.clone(),
        );
        let a = Analysis::of(&path, &docs);
        let f = a.file_id(&path).expect("loaded");
        let model = a
            .units_of(f)
            .next()
            .map(|u| u.model.clone())
            .unwrap_or_default();
        let offset = text.find(cursor_after).expect("cursor") + cursor_after.len();
        completion::complete(&text, offset, &model)
            .into_iter()
            .map(|i| i.label)
            .collect()
    };
    // Stages declared after the cursor, the upgrade's name included.
    assert_eq!(
        labels("send activation_nudge", "goto ", "      goto "),
        ["engagement", "onboarding", "upgrade_trial_to_pro"]
    );
    // The values of the attribute's enum after `upgrade plan trial ->`.
    assert_eq!(
        labels(
            "upgrade plan trial -> pro {",
            "upgrade plan trial -> ",
            "trial -> "
        ),
        ["free", "trial", "pro", "team"]
    );
    // Enum values for an enum attribute in a test's customer block.
    assert_eq!(
        labels(
            "customer { plan = trial,",
            "customer { plan = t",
            "plan = t"
        ),
        ["free", "trial", "pro", "team"]
    );
    // Milestones of the journey a test names.
    assert_eq!(
        labels(
            "expect milestone activated",
            "expect milestone ",
            "expect milestone "
        ),
        ["activated", "team_invited"]
    );
    // Events after `exit on`; types after `name:`.
    assert!(labels("exit on cancelled", "exit on c", "exit on c").contains(&"cancelled".into()));
    let types = labels("source: string", "source: ", "source: ");
    assert!(
        types.contains(&"string".into()) && types.contains(&"plan".into()),
        "{types:?}"
    );
    // Attributes in a population, events in behaviour rules, touchpoints after `after`, the
    // fields of a test event.
    let attrs = labels("    seats = 1..20\n", "    s\n", "15%\n    s");
    assert!(
        attrs.contains(&"seats".into()) && attrs.contains(&"plan".into()),
        "{attrs:?}"
    );
    let rules = labels(
        "    cancelled 5% after 1d..14d\n",
        "    c\n",
        "mrr = 24.0..79.0 }\n    c",
    );
    assert!(
        rules.contains(&"cancelled".into()) && rules.contains(&"opened".into()),
        "{rules:?}"
    );
    let after = labels(
        "within 3d after offer_annual",
        "within 3d after o",
        "after o",
    );
    assert!(after.contains(&"offer_annual".into()), "{after:?}");
    assert_eq!(
        labels(
            "cancelled { reason = \"too expensive\" }",
            "cancelled { r",
            "1d cancelled { r"
        ),
        ["reason"]
    );
    // Fields of a simulation's trigger event, and of the event a behaviour rule produces.
    assert_eq!(
        labels(
            "trigger { source = \"ads\" 35%",
            "trigger { s",
            "trigger { s"
        ),
        ["source"]
    );
    assert_eq!(
        labels(
            "after offer_annual { plan = pro 70% | team 30%, mrr",
            "after offer_annual { plan = pro 70% | team 30%, m",
            "team 30%, m"
        ),
        ["plan", "mrr"]
    );
    // Values of the enum a draw line draws: a field in a rule's block, after `=` or `|`, and an
    // attribute in the population.
    let plans = ["free", "trial", "pro", "team"];
    assert_eq!(
        labels(
            "after offer_annual { plan = pro 70% | team 30%",
            "after offer_annual { plan = ",
            "after offer_annual { plan = "
        ),
        plans
    );
    assert_eq!(
        labels(
            "after offer_annual { plan = pro 70% | team 30%",
            "after offer_annual { plan = pro 70% | ",
            "70% | "
        ),
        plans
    );
    assert_eq!(
        labels("    plan = trial\n", "    plan = ", "    plan = "),
        plans
    );
    // Fields of the event the enclosing wait names.
    assert_eq!(
        labels(
            "set mrr = event.mrr",
            "set mrr = event.",
            "set mrr = event."
        ),
        ["plan", "mrr"]
    );
}

/// A file opened alone is checked within the project, as CI checks it: declarations that the
/// importing file uses are not "never used", and their references reach into that file.
#[test]
fn an_import_opened_alone_is_checked_with_the_files_importing_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("journey.toml"), "").expect("write");
    std::fs::create_dir_all(dir.path().join("lib")).expect("mkdir");
    std::fs::write(dir.path().join("lib/common.journey"), COMMON).expect("write");
    let main_text = MAIN.replace("\"common.journey\"", "\"lib/common.journey\"");
    std::fs::write(dir.path().join("main.journey"), &main_text).expect("write");
    let common = uri_of(&dir.path().join("lib/common.journey"));
    let mut c = Client::start();
    initialize(&mut c, dir.path());
    c.open(&common, COMMON);
    assert_eq!(c.diagnostics(&common), Vec::<Value>::new());
    let refs = c.request(
        "textDocument/references",
        json!({ "textDocument": { "uri": common }, "position": find(COMMON, "welcome {", 1),
                "context": { "includeDeclaration": false } }),
    );
    let main = uri_of(&dir.path().join("main.journey"));
    assert_eq!(refs[0]["uri"], main, "{refs}");
    assert_eq!(
        refs[0]["range"]["start"],
        find(&main_text, "send welcome", 5)
    );
    assert_eq!(refs.as_array().map(Vec::len), Some(1));
    assert_eq!(c.request("shutdown", Value::Null), Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit(), Some(0));
}

#[test]
fn rename_changes_every_use_across_imports_and_refuses_what_would_break() {
    let dir = project();
    let main = uri_of(&dir.path().join("main.journey"));
    let common = uri_of(&dir.path().join("common.journey"));
    let mut c = Client::start();
    initialize(&mut c, dir.path());
    c.open(&main, MAIN);
    c.diagnostics(&main);

    let at = |needle: &str| json!({ "textDocument": { "uri": main }, "position": find(MAIN, needle, needle.len() - 1) });
    let range = c.request("textDocument/prepareRename", at("send welcome"));
    assert_eq!(range["start"], find(MAIN, "send welcome", 5));
    assert_eq!(range["end"], find(MAIN, "send welcome", 12));

    // The touchpoint is declared in the import and sent in main: both change.
    let mut params = at("send welcome");
    params["newName"] = json!("greeting");
    let edit = c.request("textDocument/rename", params);
    let in_main = edit["changes"][&main].as_array().expect("edits in main");
    let in_common = edit["changes"][&common]
        .as_array()
        .expect("edits in common");
    assert_eq!(in_main.len(), 1, "{edit}");
    assert_eq!(in_main[0]["newText"], "greeting");
    assert_eq!(in_main[0]["range"]["start"], find(MAIN, "send welcome", 5));
    assert_eq!(in_common.len(), 1, "{edit}");
    assert_eq!(
        in_common[0]["range"]["start"],
        find(COMMON, "touchpoint welcome", "touchpoint ".len())
    );

    // A keyword is not a name; a name already taken would clash; a section named by the
    // language has no name to change.
    let mut params = at("send welcome");
    params["newName"] = json!("wait");
    let refused = c.call("textDocument/rename", params);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("not a name"),
        "{refused}"
    );
    let mut params = at("wait upgraded");
    params["newName"] = json!("signed_up");
    let refused = c.call("textDocument/rename", params);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap_or("")
            .contains("would add"),
        "{refused}"
    );
    let refused = c.call("textDocument/prepareRename", at("  onboarding"));
    assert!(refused.get("error").is_some(), "{refused}");
}

/// Opens MAIN with `from` written as `to` (a misspelling the server reports as `code`), asks for
/// the code actions in the middle of the misspelt `name`, and checks the first is the quick fix
/// writing `fixed` over exactly `name`.
fn assert_quick_fix(from: &str, to: &str, code: &str, name: &str, fixed: &str) {
    let dir = project();
    let path = dir.path().join("typo.journey");
    let text = MAIN.replace(from, to);
    std::fs::write(&path, &text).expect("write");
    let uri = uri_of(&path);
    let mut c = Client::start();
    initialize(&mut c, dir.path());
    c.open(&uri, &text);
    c.diagnostics_until(&uri, |d| d.iter().any(|d| d["code"] == code));
    let needle = format!("{name}\n");
    let at = find(&text, &needle, name.len() / 2);
    let actions = c.request(
        "textDocument/codeAction",
        json!({ "textDocument": { "uri": uri }, "range": { "start": at, "end": at }, "context": { "diagnostics": [] } }),
    );
    let fix = &actions[0];
    assert_eq!(fix["title"], format!("Replace with `{fixed}`"), "{actions}");
    assert_eq!(fix["kind"], "quickfix");
    let edit = &fix["edit"]["changes"][&uri][0];
    assert_eq!(edit["newText"], fixed);
    assert_eq!(edit["range"]["start"], find(&text, &needle, 0));
    assert_eq!(edit["range"]["end"], find(&text, &needle, name.len()));
}

#[test]
fn a_misspelt_name_has_a_quick_fix() {
    assert_quick_fix("send welcome", "send welcom", "E0102", "welcom", "welcome");
}

/// The help says "did you mean `event.plan`?", but the fix replaces only the field's name.
#[test]
fn a_misspelt_event_field_is_fixed_by_its_name_alone() {
    assert_quick_fix("event.plan", "event.plam", "E0109", "plam", "plan");
}

#[test]
fn formatting_gives_what_journeyc_fmt_writes_and_leaves_broken_files_alone() {
    let dir = project();
    let path = dir.path().join("main.journey");
    let messy = MAIN.replace("  ", "      ").replace(" {", "{");
    assert_ne!(messy, MAIN);
    let uri = uri_of(&path);
    let mut c = Client::start();
    initialize(&mut c, dir.path());
    c.open(&uri, &messy);
    let format = |c: &mut Client| {
        c.request(
            "textDocument/formatting",
            json!({ "textDocument": { "uri": uri }, "options": { "tabSize": 2, "insertSpaces": true } }),
        )
    };
    let edits = format(&mut c);
    let edit = &edits[0];
    assert_eq!(edit["range"]["start"], pos(0, 0), "{edits}");
    let expected =
        journeyc::fmt::format_source(journeyc::source::FileId(0), &messy).expect("formats");
    assert_eq!(edit["newText"], expected.as_str());
    // Formatted text needs no edit; a file with syntax errors gets none.
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": expected }] }),
    );
    assert_eq!(format(&mut c), json!([]));
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 3 }, "contentChanges": [{ "text": "journey {" }] }),
    );
    assert_eq!(format(&mut c), Value::Null);
}

#[test]
fn a_malformed_message_is_answered_and_the_session_goes_on() {
    let dir = project();
    let main = uri_of(&dir.path().join("main.journey"));
    let mut c = Client::start();
    initialize(&mut c, dir.path());
    c.send_raw(b"{not json");
    let parse_error = c.wait_for(|m| m["error"]["code"] == -32700);
    assert_eq!(parse_error["id"], Value::Null);
    c.send_raw(b"[1, 2, 3]");
    let invalid = c.wait_for(|m| m["error"]["code"] == -32600);
    assert_eq!(invalid["id"], Value::Null);
    // Still serving.
    c.open(&main, MAIN);
    let hover = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": main }, "position": find(MAIN, "send welcome", 6) }),
    );
    assert!(hover["contents"].to_string().contains("email"), "{hover}");
    c.request("shutdown", Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit(), Some(0));
}

/// A buffer importing a FIFO (opening one blocks until a writer comes) and a link to
/// `/dev/zero` (endless): the server neither opens them nor stops answering. Each is reported
/// on its import, hover is answered, and so is `shutdown`.
#[cfg(unix)]
#[test]
fn a_buffer_importing_a_fifo_or_a_device_keeps_the_server_answering() {
    let dir = project();
    let fifo = dir.path().join("pipe.journey");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success(), "mkfifo failed");
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.journey")).expect("symlink");
    let text = format!("import \"pipe.journey\"\nimport \"zero.journey\"\n{MAIN}");
    let main = uri_of(&dir.path().join("main.journey"));
    let mut c = Client::start();
    initialize(&mut c, dir.path());
    c.open(&main, &text);
    let hover = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": main }, "position": find(&text, "send welcome", 6) }),
    );
    assert!(hover["contents"].to_string().contains("email"), "{hover}");
    let diags = c.diagnostics_until(&main, |d| !d.is_empty());
    // The FIFO is not a regular file (E0010); the link to `/dev/zero` leaves the project root
    // (E0011), which is checked first. Neither is opened.
    let refused: Vec<(u64, String)> = diags
        .iter()
        .filter_map(|d| {
            Some((
                d["range"]["start"]["line"].as_u64()?,
                d["code"].as_str()?.to_string(),
            ))
        })
        .collect();
    assert_eq!(
        refused,
        [(0, "E0010".to_string()), (1, "E0011".to_string())],
        "{diags:?}"
    );
    assert!(
        diags[0]["message"].to_string().contains("regular file"),
        "{diags:?}"
    );
    assert_eq!(c.request("shutdown", Value::Null), Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit(), Some(0));
}

/// `workspace/didChangeWatchedFiles`: an import created, then renamed away, on disk refreshes
/// the diagnostics of the open buffer that imports it.
#[test]
fn a_watched_file_change_refreshes_the_open_buffers() {
    let dir = project();
    let text = MAIN.replace("import \"common.journey\"", "import \"extra.journey\"");
    let main = uri_of(&dir.path().join("main.journey"));
    let extra = dir.path().join("extra.journey");
    let mut c = Client::start();
    initialize(&mut c, dir.path());
    c.open(&main, &text);
    c.diagnostics_until(&main, |d| d.iter().any(|d| d["code"] == "E0010"));
    std::fs::write(&extra, COMMON).expect("write");
    let changed = |c: &mut Client, events: Value| {
        c.notify(
            "workspace/didChangeWatchedFiles",
            json!({ "changes": events }),
        );
    };
    changed(&mut c, json!([{ "uri": uri_of(&extra), "type": 1 }]));
    c.diagnostics_until(&main, |d| d.is_empty());
    let moved = dir.path().join("moved.journey");
    std::fs::rename(&extra, &moved).expect("rename");
    changed(
        &mut c,
        json!([{ "uri": uri_of(&extra), "type": 3 }, { "uri": uri_of(&moved), "type": 1 }]),
    );
    c.diagnostics_until(&main, |d| d.iter().any(|d| d["code"] == "E0010"));
    assert_eq!(c.request("shutdown", Value::Null), Value::Null);
    c.notify("exit", Value::Null);
    assert_eq!(c.wait_exit(), Some(0));
}

/// A client that can register file watchers is asked to watch `*.journey` files.
#[test]
fn a_client_with_dynamic_registration_is_asked_to_watch_journey_files() {
    let dir = project();
    let mut c = Client::start();
    let caps = json!({ "workspace": { "didChangeWatchedFiles": { "dynamicRegistration": true } } });
    c.request(
        "initialize",
        json!({ "processId": null, "rootUri": uri_of(dir.path()), "capabilities": caps }),
    );
    c.notify("initialized", json!({}));
    let register = c.wait_for(|m| m["method"] == "client/registerCapability");
    let registration = &register["params"]["registrations"][0];
    assert_eq!(registration["method"], "workspace/didChangeWatchedFiles");
    assert_eq!(
        registration["registerOptions"]["watchers"][0]["globPattern"],
        "**/*.journey"
    );
    c.send(json!({ "jsonrpc": "2.0", "id": register["id"], "result": null }));
    assert_eq!(c.request("shutdown", Value::Null), Value::Null);
}

/// History functions: completion offers `happened` and `count` in conditions, events inside
/// them and `within` where a window goes; hover explains them and `within`.
#[test]
fn completion_and_hover_know_the_history_functions() {
    use journeyc::lsp::{analysis::Analysis, completion, documents::Documents, hover, uri};
    let base = "event ordered\nevent browsed\nchannel post\ntouchpoint nudge { channel post  template \"nudge\" }\n\njourney j {\n  trigger ordered\n  onboarding {\n    if CURSOR { send nudge }\n  }\n}\n";
    let dir = tempfile::tempdir().expect("temp dir");
    let path = journeyc::project::normalize(&dir.path().join("history.journey"));
    let analyse = |text: &str| {
        let mut docs = Documents::default();
        docs.open(
            path.clone(),
            uri::from_path(&path).expect("uri"),
            text.to_string(),
        );
        Analysis::of(&path, &docs)
    };
    let labels = |typed: &str| -> Vec<String> {
        let text = base.replace("CURSOR", typed);
        let a = analyse(&text);
        let f = a.file_id(&path).expect("loaded");
        let model = a
            .units_of(f)
            .next()
            .map(|u| u.model.clone())
            .unwrap_or_default();
        let offset = text.find("    if ").expect("cursor") + "    if ".len() + typed.len();
        completion::complete(&text, offset, &model)
            .into_iter()
            .map(|i| i.label)
            .collect()
    };
    let start = labels("");
    assert!(
        start.contains(&"happened".into()) && start.contains(&"count".into()),
        "{start:?}"
    );
    assert_eq!(labels("happened("), ["browsed", "ordered"]);
    assert_eq!(labels("count("), ["browsed", "ordered"]);
    assert_eq!(labels("count(ordered "), ["within"]);
    assert!(labels("sent(nudge) ").contains(&"within".into()));
    assert!(labels("happened(browsed) ").contains(&"within".into()));

    let text = base.replace(
        "CURSOR",
        "count(ordered within 30d) >= 3 and happened(browsed) within 1d",
    );
    let a = analyse(&text);
    let f = a.file_id(&path).expect("loaded");
    let hover_at = |word: &str| -> String {
        let offset = text.find(word).expect("word") + 1;
        match hover::hover(&a, f, offset).map(|h| h.contents) {
            Some(lsp_types::HoverContents::Markup(m)) => m.value,
            other => panic!("no hover on {word}: {other:?}"),
        }
    };
    assert!(
        hover_at("count(").contains("`int`"),
        "{}",
        hover_at("count(")
    );
    assert!(hover_at("happened(").contains("`bool`"));
    assert!(hover_at("within 30d").contains("window"));
    // The names inside are symbols: hovering the event shows the event.
    assert!(hover_at("browsed) within").contains("browsed"));
}

/// A wait for several events: events complete after a branch's `on` and `on` itself inside the
/// wait's braces, `event.FIELD` in a branch hovers and completes as that branch's event, and
/// the outline shows the wait with one child per branch and the timeout.
#[test]
fn a_wait_for_several_events_completes_hovers_and_outlines_its_branches() {
    use journeyc::lsp::uri;
    use journeyc::lsp::{analysis::Analysis, completion, documents::Documents, hover, outline};
    let full = std::fs::read_to_string("examples/kyc_account.journey").expect("example");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = journeyc::project::normalize(&dir.path().join("kyc.journey"));
    let analyse = |text: &str| {
        let mut docs = Documents::default();
        docs.open(
            path.clone(),
            uri::from_path(&path).expect("uri"),
            text.to_string(),
        );
        Analysis::of(&path, &docs)
    };
    let labels = |from: &str, to: &str, cursor_after: &str| -> Vec<String> {
        assert!(full.contains(from), "{from}");
        let text = full.replacen(from, to, 1);
        let a = analyse(&text);
        let f = a.file_id(&path).expect("loaded");
        let model = a
            .units_of(f)
            .next()
            .map(|u| u.model.clone())
            .unwrap_or_default();
        let offset = text.find(cursor_after).expect("cursor") + cursor_after.len();
        completion::complete(&text, offset, &model)
            .into_iter()
            .map(|i| i.label)
            .collect()
    };
    let events = labels("      on kyc_rejected {\n", "      on k\n", "      on k");
    assert!(
        events.contains(&"kyc_rejected".into()) && events.contains(&"kyc_approved".into()),
        "{events:?}"
    );
    assert_eq!(
        labels("      on kyc_rejected {\n", "      o\n", "      o"),
        ["on"],
        "inside `wait up to D {{`, a branch starts with `on`"
    );
    assert_eq!(
        labels("if event.reason == \"documents\"", "if event.", "if event."),
        ["reason"],
        "the fields of the branch's event"
    );
    // Hover: the event of a branch, and a field of it inside the branch.
    let a = analyse(&full);
    let f = a.file_id(&path).expect("loaded");
    let hover_text = |needle: &str, extra: usize| -> String {
        let offset = full.find(needle).expect("needle") + extra;
        match hover::hover(&a, f, offset).map(|h| h.contents) {
            Some(lsp_types::HoverContents::Markup(m)) => m.value,
            other => panic!("no hover at {needle}: {other:?}"),
        }
    };
    let on_event = hover_text("on kyc_rejected {", 4);
    assert!(on_event.contains("event kyc_rejected"), "{on_event}");
    let field = hover_text("event.reason == \"documents\"", 7);
    assert!(
        field.contains("reason") && field.contains("string"),
        "{field}"
    );
    // Outline: onboarding > `wait up to 2d` > its branches and timeout.
    let module = a.project.module(f).expect("parsed");
    let symbols = outline::outline(&full, module);
    let journey = &symbols
        .iter()
        .find(|s| s.name == "account_opening")
        .expect("journey");
    let stages = journey.children.as_ref().expect("stages");
    let onboarding = stages
        .iter()
        .find(|s| s.name == "onboarding")
        .expect("onboarding");
    let waits = onboarding.children.as_ref().expect("the wait");
    assert_eq!(waits[0].name, "wait up to 2d");
    let branches: Vec<(&str, Option<&str>)> = waits[0]
        .children
        .as_ref()
        .expect("branches")
        .iter()
        .map(|b| (b.name.as_str(), b.detail.as_deref()))
        .collect();
    assert_eq!(
        branches,
        [
            ("on kyc_approved", Some("where event.risk_level <= 2")),
            ("on kyc_rejected", None),
            ("timeout", None),
        ]
    );
}
