//! Small shared helpers.

use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` atomically: a temporary file in the same folder, flushed, then renamed
/// over the target, so a crash never leaves a half-written file.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let named = |at: &Path, e: std::io::Error| {
        std::io::Error::new(e.kind(), format!("writing {}: {e}", at.display()))
    };
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty());
    if let Some(dir) = dir {
        std::fs::create_dir_all(dir).map_err(|e| named(dir, e))?;
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = path.with_file_name(format!(".{name}.tmp{}", std::process::id()));
    let written = std::fs::File::create(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(named(&tmp, e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        named(path, e)
    })
}

/// Lowers the calling thread's scheduling priority by `nice` steps (Linux: per thread, and
/// threads it spawns inherit it), so background training leaves the window's thread the CPU it
/// needs. Elsewhere, and if the system refuses, nothing happens.
pub fn lower_thread_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its integer arguments; `who = 0` names the calling thread.
    unsafe {
        let current = libc::getpriority(libc::PRIO_PROCESS, 0);
        let _ = libc::setpriority(libc::PRIO_PROCESS, 0, (current + nice).min(19));
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

/// A parse error's message cut to `limit` characters (a RON error on a garbage file can quote
/// thousands of characters of it), with how much was left out.
pub fn brief(error: impl std::fmt::Display, limit: usize) -> String {
    let text = error.to_string();
    let count = text.chars().count();
    if count <= limit {
        return text;
    }
    let kept: String = text.chars().take(limit).collect();
    format!("{kept}... ({} more characters)", count - limit)
}
