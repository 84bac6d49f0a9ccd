//! `journeyc run FILE --events LOG`: replays an event log and writes what the automation would
//! have done, or explains one customer's path.

use super::output::{self, MessageFormat, EXIT_PROBLEMS, EXIT_USAGE};
use clap::{Args, ValueEnum};
use journeyc::interp::describe::describe;
use journeyc::interp::program::Program;
use journeyc::interp::replay::shard::Shard;
use journeyc::interp::replay::{write_record, LogLines, Record, Replay, Sink};
use journeyc::interp::time::{format_rfc3339, parse_rfc3339, Instant};
use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnBadLine {
    /// Stop at the first bad line and write nothing.
    Fail,
    /// Skip bad lines, report each one, and count them in the summary.
    Skip,
}

#[derive(Args, Debug)]
pub struct RunArgs {
    /// The `.journey` file holding the journey (and what it imports).
    pub journey_file: PathBuf,
    /// The event log: JSON lines in the Segment style, each at most 1 MiB (`-` reads standard
    /// input; a named pipe is read as a stream too).
    #[arg(long, value_name = "FILE.jsonl")]
    pub events: PathBuf,
    /// Which journey to run, when the file has several (default: all of them).
    #[arg(long, value_name = "NAME")]
    pub journey: Option<String>,
    /// Write the actions here (JSON lines) instead of standard output; the file is replaced
    /// only when the replay succeeds.
    #[arg(long, value_name = "FILE.jsonl")]
    pub out: Option<PathBuf>,
    /// What to do with a line that cannot be replayed.
    #[arg(long, value_enum, default_value = "fail")]
    pub on_bad_line: OnBadLine,
    /// Print a readable account of this customer's path, with the reason for every decision.
    #[arg(long, value_name = "CUSTOMER_ID")]
    pub explain: Option<String>,
    /// Run waits and delays up to this time (RFC 3339) after the last event; by default the
    /// replay stops at the last event's time.
    #[arg(long, value_name = "TIMESTAMP")]
    pub until: Option<String>,
    /// Sort calls that come up to this long out of order (`30s`, `5m`, `0` for none; at most
    /// 7d); a call later than that is a bad line (docs/event-logs.md#order---reorder-window).
    #[arg(long, value_name = "DURATION", default_value = "1m", value_parser = super::run_flags::window)]
    pub reorder_window: i64,
    /// Replay only the customers whose id hashes to shard K of N (K from 0 to N-1): run N
    /// processes on the same log, one per shard, and together they do what one run does
    /// (docs/event-logs.md#shards---shard-kn).
    #[arg(long, value_name = "K/N", value_parser = super::run_flags::shard)]
    pub shard: Option<Shard>,
    /// Continue from the state a previous run saved in this file (if it exists), and save the
    /// new state to it at the end, so that runs over consecutive parts of a log do what one
    /// run does. `--until T` then means the log holds every call before T
    /// (docs/event-logs.md#incremental-runs---state).
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
}

struct Output<W: Write> {
    out: Option<W>,
    explained: Vec<(Instant, String, String)>,
    explain: Option<String>,
    /// Where the explained customer stands at the end, if still in a journey.
    standing: Vec<String>,
}

impl<W: Write> Sink for Output<W> {
    fn record(&mut self, programs: &[Program], r: &Record) -> std::io::Result<()> {
        if let journeyc::interp::engine::Action::Left {
            reason: journeyc::interp::engine::ExitReason::Runaway,
        } = r.action
        {
            eprintln!(
                "customer `{}`: {}",
                r.customer,
                journeyc::interp::scenario::runaway_message(&programs[r.journey], r.node)
            );
        }
        if self.explain.as_deref() == Some(r.customer.as_str()) {
            let p = &programs[r.journey];
            let text = journeyc::interp::world::describe(programs, r.journey, r.node, &r.action);
            let text = keyed(p, r, text);
            self.explained.push((r.time, text, place(p, r.node)));
        }
        if let Some(out) = self.out.as_mut() {
            write_record(programs, r, out)?;
        }
        Ok(())
    }

    fn ignored(&mut self, programs: &[Program], r: &Record) {
        let p = &programs[r.journey];
        let text = keyed(p, r, describe(p, r.node, &r.action));
        self.explained.push((r.time, text, place(p, r.node)));
    }

    fn standing(&mut self, _programs: &[Program], _journey: usize, text: String) {
        self.standing.push(text);
    }

    fn explain(&mut self, _journey: usize, time: Instant, _node: Option<usize>, text: String) {
        // Decisions not to enter stand on their own; the others explain the line above.
        let text = if text.starts_with("did not enter") {
            text
        } else {
            format!("  because {text}")
        };
        self.explained.push((time, text, String::new()));
    }
}

/// `text` of an instance of a keyed journey (`per FIELD`) names the instance: `[order_id A-1] ...`.
fn keyed(p: &Program, r: &Record, text: String) -> String {
    match (&p.ir.per, &r.key) {
        (Some(f), Some(k)) => format!("[{f} {k}] {text}"),
        _ => text,
    }
}

fn place(p: &Program, node: Option<usize>) -> String {
    match node.and_then(|n| p.ir.nodes.get(n)) {
        Some(n) => format!("{}:{} ({})", n.source.file, n.source.line, n.id),
        None => format!("{}:{}", p.ir.source.file, p.ir.source.line),
    }
}

pub fn run(args: RunArgs) -> ExitCode {
    let until = match args.until.as_deref().map(parse_rfc3339).transpose() {
        Ok(u) => u,
        Err(e) => return output::usage_error(format!("--until: {e}")),
    };
    let (project, checked) = match output::load_and_check(std::slice::from_ref(&args.journey_file))
    {
        Ok(v) => v,
        Err(code) => return code,
    };
    if checked.diagnostics.has_errors() {
        output::print_diagnostics(&checked.diagnostics, &project.sources, MessageFormat::Human);
        eprintln!(
            "error: the journey has errors ({}); fix them before replaying",
            output::summary(&checked.diagnostics)
        );
        return ExitCode::from(EXIT_PROBLEMS);
    }
    let mut programs = Vec::new();
    for model in &checked.models {
        for j in model.journeys.values() {
            if args.journey.as_deref().is_some_and(|n| n != j.name) {
                continue;
            }
            let ir = journeyc::ir::lower::lower_journey(model, j, &project.sources);
            match Program::compile(&ir) {
                Ok(p) => programs.push(p),
                Err(e) => return output::usage_error(e),
            }
        }
    }
    if programs.is_empty() {
        let names: Vec<String> = checked
            .models
            .iter()
            .flat_map(|m| m.journeys.keys().cloned())
            .collect();
        return match &args.journey {
            Some(n) => output::usage_error(format!(
                "no journey named `{n}` in `{}` (it has: {})",
                args.journey_file.display(),
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            )),
            None => output::usage_error(format!(
                "`{}` has no journey to run",
                args.journey_file.display()
            )),
        };
    }
    if let (Some(shard), Some(id)) = (args.shard, &args.explain) {
        if !shard.owns(id) {
            return output::usage_error(format!(
                "customer `{id}` is in shard {}/{}, not in --shard {}/{}: explain them in that shard, or without --shard",
                journeyc::interp::replay::shard::shard_of(id, shard.count),
                shard.count,
                shard.index,
                shard.count
            ));
        }
    }
    let reader = match open_events(&args.events) {
        Ok(r) => r,
        Err(message) => return output::usage_error(message),
    };
    if let Some(state) = &args.state {
        if args.out.as_ref() == Some(state) {
            return output::usage_error(format!(
                "--state `{}` is also --out; give the state a file of its own",
                state.display()
            ));
        }
        let mut inputs = vec![args.journey_file.as_path(), args.events.as_path()];
        inputs.extend(args.out.as_deref());
        if let Err(code) = output::refuse_overwrite("--state", state, &inputs) {
            return code;
        }
    }
    let log_size = std::fs::metadata(&args.events)
        .ok()
        .filter(std::fs::Metadata::is_file)
        .map(|m| m.len());
    if let Some(out) = &args.out {
        if let Err(code) = output::refuse_overwrite(
            "--out",
            out,
            &[args.journey_file.as_path(), args.events.as_path()],
        ) {
            return code;
        }
    }
    // Actions go to a temporary file beside --out (renamed at the end), or to stdout.
    let tmp_path = args.out.as_ref().map(|o| {
        let dir = o
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("."));
        let name = o.file_name().and_then(|n| n.to_str()).unwrap_or("out");
        dir.join(format!(".{name}.{}.tmp", std::process::id()))
    });
    let writer: Box<dyn Write> = match &tmp_path {
        Some(p) => match std::fs::File::create(p) {
            Ok(f) => Box::new(BufWriter::new(f)),
            Err(e) => return output::usage_error(format!("cannot write `{}`: {e}", p.display())),
        },
        None if args.explain.is_some() => Box::new(std::io::sink()),
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    let mut sink = Output {
        out: Some(writer),
        explained: Vec::new(),
        explain: args.explain.clone(),
        standing: Vec::new(),
    };
    let mut replay = Replay::new(&programs, args.explain.clone());
    replay.set_reorder_window(args.reorder_window);
    if let Some(shard) = args.shard {
        replay.set_shard(shard);
    }
    let loaded = match &args.state {
        Some(path) => match super::run_state::load(&mut replay, path) {
            Ok(loaded) => loaded,
            Err(message) => return output::usage_error(message),
        },
        None => false,
    };
    let mut progress = super::run_progress::Progress::new(log_size);
    let cleanup = |code: ExitCode| {
        if let Some(p) = &tmp_path {
            let _ = std::fs::remove_file(p);
        }
        code
    };
    let mut bad_lines = 0usize;
    let mut lines = LogLines::new(reader);
    loop {
        let (n, text) = match lines.next_line() {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(e) => {
                // Not a bad line but a log that cannot be read (a device error).
                eprintln!("error: cannot read `{}`: {e}", args.events.display());
                return cleanup(ExitCode::from(EXIT_USAGE));
            }
        };
        let result = match text {
            Ok(text) => {
                progress.line(text.len() + 1);
                replay.line(n, text, &mut sink)
            }
            Err(bad) => {
                // Too long or not UTF-8: counted as a line read, like any other bad line.
                replay.summary.lines += 1;
                Ok(vec![bad])
            }
        };
        let bad_calls = match result {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                // The reader of stdout has gone (`journeyc run ... | head -1`): that is the
                // reader's choice, not an error, so stop quietly as `build --stdout` does.
                return cleanup(ExitCode::SUCCESS);
            }
            Err(e) => {
                eprintln!("error: writing the output failed: {e}");
                return cleanup(ExitCode::from(output::EXIT_USAGE));
            }
            Ok(bad_calls) => bad_calls,
        };
        for bad in bad_calls {
            progress.suspend(|| {
                eprintln!(
                    "{}: {}:{}: {}",
                    if args.on_bad_line == OnBadLine::Fail {
                        "error"
                    } else {
                        "skipped"
                    },
                    args.events.display(),
                    bad.line,
                    bad.message
                )
            });
            if args.on_bad_line == OnBadLine::Fail {
                eprintln!("help: fix the line, or pass `--on-bad-line skip` to skip bad lines and count them");
                return cleanup(ExitCode::from(EXIT_PROBLEMS));
            }
            bad_lines += 1;
        }
    }
    progress.finish();
    if let (Some(u), Some(last), None) = (until, replay.last_event_time(), &args.state) {
        if u < last {
            eprintln!(
                "warning: --until {} is before the log's last event; the replay ran to the last event",
                args.until.as_deref().unwrap_or_default()
            );
        }
    }
    let finished = match &args.state {
        Some(_) => replay.finish_for_state(until, &mut sink),
        None => replay.finish(until, &mut sink),
    };
    let written = finished.and_then(|()| sink.out.take().map_or(Ok(()), |mut w| w.flush()));
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            return cleanup(ExitCode::SUCCESS);
        }
        Err(e) => {
            eprintln!("error: writing the output failed: {e}");
            return cleanup(ExitCode::from(output::EXIT_USAGE));
        }
        Ok(()) => {}
    }
    // The new state is written in full before the output is put in place, and put in place
    // after it: a run that fails or is killed leaves the previous state, and running the same
    // log again from it writes the same output again.
    let pending = match &args.state {
        Some(path) => match super::run_state::write(&replay, path) {
            Ok(p) => Some(p),
            Err(message) => {
                eprintln!("error: {message}");
                return cleanup(ExitCode::from(output::EXIT_USAGE));
            }
        },
        None => None,
    };
    if let (Some(tmp), Some(out)) = (&tmp_path, &args.out) {
        if let Err(e) = std::fs::rename(tmp, out) {
            eprintln!("error: cannot write `{}`: {e}", out.display());
            if let Some(p) = pending {
                p.discard();
            }
            return cleanup(ExitCode::from(output::EXIT_USAGE));
        }
    }
    if let Some(p) = pending {
        if let Err(message) = p.commit() {
            eprintln!("error: {message}");
            return ExitCode::from(output::EXIT_USAGE);
        }
    }
    if let Some(id) = &args.explain {
        print_explanation(id, &sink.explained);
        print_standing(&sink.standing);
    }
    let s = &replay.summary;
    eprintln!(
        "replayed {}: {}, {}, {}, {}, {} still in a journey, {} skipped",
        count(s.lines, "line", "lines"),
        count(s.events, "event", "events"),
        count(s.identifies, "identify call", "identify calls"),
        count(s.customers, "customer", "customers"),
        count(s.entered, "entry", "entries"),
        s.in_flight,
        count(bad_lines, "bad line", "bad lines"),
    );
    if s.ignored_events > 0 {
        eprintln!(
            "{} arrived while nothing in a journey waited for {} (`--explain ID` shows them)",
            count(s.ignored_events, "event", "events"),
            if s.ignored_events == 1 { "it" } else { "them" }
        );
    }
    if s.ignored > 0 {
        eprintln!(
            "ignored {} (`page`, `screen`, `group`, `alias`): journeys read only `track` and `identify`",
            count(s.ignored, "call", "calls")
        );
    }
    super::run_notes::print_log_notes(s);
    if let Some(path) = &args.state {
        super::run_notes::print_state(&replay, path, loaded);
    }
    super::run_notes::print_reordered(replay.reordered(), args.reorder_window);
    if let Some(shard) = args.shard {
        super::run_notes::print_shard(shard, s.other_shards);
    }
    if s.leap_seconds > 0 {
        eprintln!(
            "read {} (`23:59:60`) as `23:59:59`: the replay's clock, like Unix time, has no leap seconds",
            count(s.leap_seconds, "leap second", "leap seconds")
        );
    }
    ExitCode::SUCCESS
}

/// Opens the event log: standard input for `-`, a regular file, or a named pipe (a FIFO, or
/// `<(command)` in a shell). Both are read as streams, one line of at most
/// `replay::MAX_LINE_BYTES` at a time, with no limit on the whole: a log may be longer than memory.
/// A folder or a device (`/dev/zero`, a terminal) is refused before it is opened, since
/// opening or reading one can block for ever or never end a line.
fn open_events(path: &Path) -> Result<Box<dyn BufRead>, String> {
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    let cannot = |e: std::io::Error| format!("cannot read `{}`: {e}", path.display());
    let refuse = |what: &str| {
        format!(
            "`{}` is {what}, not an event log; give `--events` a JSON lines file, a named pipe, or `-` for standard input",
            path.display()
        )
    };
    let kind = |m: &std::fs::Metadata| {
        let t = m.file_type();
        #[cfg(unix)]
        let pipe = std::os::unix::fs::FileTypeExt::is_fifo(&t);
        #[cfg(not(unix))]
        let pipe = false;
        if t.is_file() || pipe {
            Ok(())
        } else if t.is_dir() {
            Err(refuse("a folder"))
        } else {
            Err(refuse("a device or a socket"))
        }
    };
    // Follows symbolic links: a link to a log is a log, a link to `/dev/zero` is a device.
    kind(&std::fs::metadata(path).map_err(cannot)?)?;
    let file = std::fs::File::open(path).map_err(cannot)?;
    // Checked again on what was opened, in case the path changed in between.
    kind(&file.metadata().map_err(cannot)?)?;
    Ok(Box::new(std::io::BufReader::with_capacity(1 << 16, file)))
}

fn print_explanation(id: &str, lines: &[(Instant, String, String)]) {
    let mut out = std::io::stdout().lock();
    if lines.is_empty() {
        let _ = writeln!(out, "customer `{id}`: no event of this customer reached the journey (check the id and the trigger event)");
        return;
    }
    let _ = writeln!(out, "customer `{id}`:");
    let mut last_time = None;
    for (t, text, place) in lines {
        let when = if last_time == Some(*t) {
            String::new()
        } else {
            format_rfc3339(*t)
        };
        last_time = Some(*t);
        if place.is_empty() {
            let _ = writeln!(out, "  {when:<22} {text}");
        } else {
            let _ = writeln!(out, "  {when:<22} {text}   [{place}]");
        }
    }
}

/// The explained customer's place in each journey they are still in.
fn print_standing(lines: &[String]) {
    let mut out = std::io::stdout().lock();
    for l in lines {
        let _ = writeln!(out, "  at the end: {l}");
    }
}

/// `n` things in words: `1 line`, `3 lines`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
