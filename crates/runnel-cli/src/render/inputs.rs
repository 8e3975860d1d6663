//! Turning the command line's inputs (files, directories, globs) into render jobs: which file
//! goes to which destination, and the per-input problems found before any audio is read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::encode::OutputFormat;

/// Extensions a directory walk picks up.
pub const AUDIO_EXTENSIONS: [&str; 9] = ["wav", "wave", "flac", "aif", "aiff", "aifc", "mp3", "ogg", "oga"];

/// Where the outputs go.
#[derive(Debug, Clone)]
pub enum Destination {
    /// One output file (`-o`), for exactly one input.
    File(PathBuf),
    /// A folder (`--out-dir`); inputs keep their path relative to a directory given as input.
    Dir(PathBuf),
}

/// One input file and where its render goes, or why it cannot be rendered.
#[derive(Debug, Clone)]
pub struct Job {
    /// The input as the user named it (or as found under a directory).
    pub input: PathBuf,
    /// Its destination, or the reason there is none.
    pub output: Result<PathBuf, String>,
}

/// Whether a file name has one of [`AUDIO_EXTENSIONS`].
fn is_audio(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Every audio file under `dir`, sorted, with its path relative to `dir`.
fn walk(dir: &Path) -> std::io::Result<Vec<(PathBuf, PathBuf)>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d)? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if is_audio(&path) {
                let relative = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
                found.push((path, relative));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// An input found, with the relative path its output keeps under `--out-dir`.
#[derive(Debug, Clone)]
pub struct Found {
    /// The input file.
    pub path: PathBuf,
    /// Its relative output path (extension replaced later).
    pub relative: PathBuf,
}

/// Expands the arguments. Problems (nothing matched, an empty directory, a missing file) come
/// back as jobs without an output, so they are reported in order with the rest.
pub fn expand(args: &[PathBuf]) -> Vec<Result<Found, (PathBuf, String)>> {
    let mut out = Vec::new();
    for arg in args {
        if arg.is_dir() {
            match walk(arg) {
                Ok(found) if found.is_empty() => out.push(Err((
                    arg.clone(),
                    format!("directory holds no audio files ({})", AUDIO_EXTENSIONS.join(", ")),
                ))),
                Ok(found) => {
                    out.extend(found.into_iter().map(|(path, relative)| Ok(Found { path, relative })))
                }
                Err(e) => out.push(Err((arg.clone(), format!("cannot read directory: {e}")))),
            }
        } else if arg.exists() {
            let relative = PathBuf::from(arg.file_name().unwrap_or(arg.as_os_str()));
            out.push(Ok(Found { path: arg.clone(), relative }));
        } else {
            let text = arg.to_string_lossy();
            let is_pattern = text.contains(['*', '?', '[']);
            let matches: Vec<PathBuf> = if is_pattern {
                glob::glob(&text)
                    .map(|paths| paths.filter_map(Result::ok).filter(|p| p.is_file()).collect())
                    .unwrap_or_default()
            } else {
                Vec::new()
            };
            if matches.is_empty() {
                let why =
                    if is_pattern { "no file matches this pattern" } else { "no such file or directory" };
                out.push(Err((arg.clone(), why.to_string())));
            }
            for path in matches {
                let relative = PathBuf::from(path.file_name().unwrap_or(path.as_os_str()));
                out.push(Ok(Found { path, relative }));
            }
        }
    }
    out
}

/// `path` made absolute and free of `..` and symlinks as far as it exists (a destination that
/// does not exist yet resolves through its parent), so two spellings of one file compare equal.
fn resolved(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => {
            let parent = if parent.as_os_str().is_empty() { Path::new(".") } else { parent };
            resolved(parent).join(name)
        }
        _ => path.to_path_buf(),
    }
}

/// The jobs for `args` going to `destination` in `format`: each input's output path, or the
/// reason it has none (no match, output = input, two inputs on one output).
pub fn plan(args: &[PathBuf], destination: &Destination, format: OutputFormat) -> Vec<Job> {
    let mut jobs = Vec::new();
    let mut taken: HashMap<PathBuf, PathBuf> = HashMap::new();
    let inputs: Vec<PathBuf> =
        expand(args).iter().filter_map(|f| f.as_ref().ok()).map(|f| resolved(&f.path)).collect();
    for found in expand(args) {
        let found = match found {
            Ok(found) => found,
            Err((input, why)) => {
                jobs.push(Job { input, output: Err(why) });
                continue;
            }
        };
        let dest = match destination {
            Destination::File(file) => file.clone(),
            Destination::Dir(dir) => dir.join(found.relative.with_extension(format.extension())),
        };
        let key = resolved(&dest);
        let output = if inputs.contains(&key) {
            Err(format!("output {} is an input; refusing to overwrite an input", dest.display()))
        } else if let Some(first) = taken.get(&key) {
            Err(format!("output {} is already the output of {}", dest.display(), first.display()))
        } else {
            taken.insert(key, found.path.clone());
            Ok(dest)
        };
        jobs.push(Job { input: found.path, output });
    }
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn directories_are_walked_and_outputs_keep_relative_paths_with_the_new_extension() {
        let dir = std::env::temp_dir().join(format!("runnel-inputs-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        for f in ["a.wav", "sub/b.FLAC", "notes.txt"] {
            std::fs::write(dir.join(f), b"x").unwrap();
        }
        let jobs =
            plan(std::slice::from_ref(&dir), &Destination::Dir(PathBuf::from("/out")), OutputFormat::Flac16);
        let outputs: Vec<_> = jobs.iter().map(|j| j.output.clone().unwrap()).collect();
        assert_eq!(outputs, [PathBuf::from("/out/a.flac"), PathBuf::from("/out/sub/b.flac")]);
        // Rendering into the input folder in the input's format would overwrite the input.
        let same = plan(&[dir.join("a.wav")], &Destination::Dir(dir.clone()), OutputFormat::Wav24);
        assert!(same[0].output.as_ref().unwrap_err().contains("is an input"), "{same:?}");
        let empty = plan(&[dir.join("sub/none*.wav")], &Destination::Dir(dir.clone()), OutputFormat::Wav24);
        assert!(empty[0].output.as_ref().unwrap_err().contains("no file matches"), "{empty:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
