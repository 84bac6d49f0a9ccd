//! The lines after a replay's summary about what the log held that journeys do not read
//! as written: events no journey reads, and trait or property values coerced or dropped.

use journeyc::interp::replay::Summary;

/// Prints one line for the events no journey reads and one per field coerced or dropped (a
/// field, not a call: a real export can coerce the same field a million times).
pub fn print_log_notes(s: &Summary) {
    if s.unread > 0 {
        let names: Vec<String> = s
            .unread_names
            .iter()
            .map(|(name, n)| format!("`{}` {n}", name.escape_debug()))
            .collect();
        let more = if s.unread_names.iter().map(|e| e.1).sum::<usize>() < s.unread {
            ", …"
        } else {
            ""
        };
        eprintln!(
            "ignored {} no journey reads ({}{more})",
            plural(s.unread, "event", "events"),
            names.join(", ")
        );
    }
    for ((field, how), note) in &s.fields {
        match how {
            Some(how) => eprintln!(
                "coerced {field} {} ({}; first on line {})",
                plural(note.count, "time", "times"),
                how.words(),
                note.first_line
            ),
            None => eprintln!(
                "dropped {field} {} (first on line {}: {}); the rest of each call was replayed",
                plural(note.count, "time", "times"),
                note.first_line,
                note.example
            ),
        }
    }
}

/// One line when calls were sorted into time order, so a log's disorder is never hidden.
pub fn print_reordered((sorted, most_late): (usize, i64), window: i64) {
    if sorted > 0 {
        eprintln!(
            "sorted {} that came out of time order, by at most {} (the reorder window is {})",
            plural(sorted, "call", "calls"),
            journeyc::units::duration(most_late.unsigned_abs()),
            journeyc::units::duration(window.unsigned_abs())
        );
    }
}

/// Which customers a shard ran, so a shard's small counts are not mistaken for a short log.
pub fn print_shard(shard: journeyc::interp::replay::shard::Shard, other: usize) {
    eprintln!(
        "shard {}/{}: replayed the customers whose id hashes to it; {} of the other shards' customers read for their times only",
        shard.index,
        shard.count,
        plural(other, "call", "calls")
    );
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What the state file now holds, and whether the run started from one.
pub fn print_state(
    replay: &journeyc::interp::replay::Replay,
    path: &std::path::Path,
    loaded: bool,
) {
    let (kept, done, profiles) = replay.kept();
    eprintln!(
        "state: {} `{}`: {} kept whole, {} done (entered `once` and left, kept as an id hash), {} kept as a profile, {} held for the next run",
        if loaded { "continued from and saved to" } else { "no state yet, saved to" },
        path.display(),
        plural(kept, "customer", "customers"),
        plural(done, "customer", "customers"),
        plural(profiles, "customer", "customers"),
        plural(replay.held_calls(), "call", "calls"),
    );
}
