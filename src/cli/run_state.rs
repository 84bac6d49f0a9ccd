//! `journeyc run --state FILE`: loading the state a previous run saved, and saving the new one
//! so that a kill at any moment leaves the old state whole: the new state is written to a
//! temporary file beside FILE, flushed to the disk (`fsync`), and renamed over FILE, which
//! replaces it in one step; the folder is then flushed so the rename itself survives a crash.

use journeyc::interp::replay::Replay;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Loads FILE into the replay when it exists: `Ok(true)`; `Ok(false)` when there is no FILE
/// yet (a first run); `Err` with the message when it cannot be used.
pub fn load(replay: &mut Replay, path: &Path) -> Result<bool, String> {
    let cannot = |e: String| format!("cannot use the state `{}`: {e}", path.display());
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(cannot(e.to_string())),
    };
    if !meta.is_file() {
        return Err(cannot(
            "it is not a regular file; give `--state` the path of a file (it is created on the first run)".into(),
        ));
    }
    let file = std::fs::File::open(path).map_err(|e| cannot(e.to_string()))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file);
    replay
        .load_state(&mut reader)
        .map_err(|e| cannot(e.to_string()))?;
    Ok(true)
}

/// A new state written in full to its temporary file, not yet in place.
pub struct Pending {
    tmp: PathBuf,
    path: PathBuf,
}

/// The folder of `path` (`.` for a bare file name).
fn folder(path: &Path) -> PathBuf {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Writes the replay's state to a temporary file beside `path` and flushes it to the disk.
pub fn write(replay: &Replay, path: &Path) -> Result<Pending, String> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("state");
    let tmp = folder(path).join(format!(".{name}.{}.tmp", std::process::id()));
    let cannot = |e: std::io::Error| {
        format!(
            "cannot write the state `{}`: {e}; the previous state is unchanged",
            path.display()
        )
    };
    let result = (|| {
        let file = std::fs::File::create(&tmp)?;
        let mut w = BufWriter::with_capacity(1 << 16, file);
        replay.save_state(&mut w)?;
        w.flush()?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
    })();
    match result {
        Ok(()) => Ok(Pending {
            tmp,
            path: path.to_path_buf(),
        }),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(cannot(e))
        }
    }
}

impl Pending {
    /// Puts the new state in place of the old one.
    pub fn commit(self) -> Result<(), String> {
        if let Err(e) = std::fs::rename(&self.tmp, &self.path) {
            let _ = std::fs::remove_file(&self.tmp);
            return Err(format!(
                "cannot write the state `{}`: {e}; the previous state is unchanged",
                self.path.display()
            ));
        }
        // The rename is durable once the folder is flushed (where the system allows opening
        // a folder to flush it).
        if let Ok(dir) = std::fs::File::open(folder(&self.path)) {
            let _ = dir.sync_all();
        }
        Ok(())
    }

    /// Drops the new state (the run failed after writing it).
    pub fn discard(self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}
