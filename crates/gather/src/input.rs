//! Pages from local files, folders and WARC archives.

use std::fs::{self, File};
use std::io::{self, BufReader};
use std::iter;
use std::path::{Path, PathBuf};

use flate2::read::MultiGzDecoder;

use crate::error::{Error, Result};
use crate::gzip_members::GzMembers;
use crate::limits::{read_capped, CappedReadError, MAX_PAGE_BYTES};
use crate::warc::{pages_from_warc, WarcReader};
use crate::Page;

/// One file to read, and how to read it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Input {
    pub path: PathBuf,
    pub kind: InputKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum InputKind {
    Html,
    HtmlGz,
    Warc,
    WarcGz,
}

impl InputKind {
    /// The kind a file name announces, or `None` when a folder walk should
    /// leave the file out.
    fn from_name(path: &Path) -> Option<InputKind> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let kind = if name.ends_with(".warc.gz") {
            InputKind::WarcGz
        } else if name.ends_with(".warc") {
            InputKind::Warc
        } else if name.ends_with(".html.gz") || name.ends_with(".htm.gz") {
            InputKind::HtmlGz
        } else if name.ends_with(".html") || name.ends_with(".htm") || name.ends_with(".xhtml") {
            InputKind::Html
        } else {
            return None;
        };
        Some(kind)
    }

    /// A file named explicitly is read whatever its name: the user asked for
    /// it, so an odd extension is read as HTML (gzipped if it says `.gz`).
    fn for_explicit_file(path: &Path) -> InputKind {
        InputKind::from_name(path).unwrap_or_else(|| {
            let gz = path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("gz"));
            if gz {
                InputKind::HtmlGz
            } else {
                InputKind::Html
            }
        })
    }
}

/// Expands paths: files as given; folders recursively in sorted order,
/// keeping only `.html`, `.htm`, `.html.gz`, `.htm.gz`, `.warc`, `.warc.gz`
/// and `.xhtml`. A missing path is an error naming it.
pub fn list_inputs(paths: &[PathBuf]) -> Result<Vec<Input>> {
    let mut inputs = Vec::new();
    for path in paths {
        let metadata = fs::metadata(path).map_err(|source| match source.kind() {
            io::ErrorKind::NotFound => Error::NotFound { path: path.clone() },
            _ => io_error(path, source),
        })?;
        if metadata.is_dir() {
            let mut found = Vec::new();
            walk_folder(path, &mut found)?;
            found.sort();
            inputs.extend(found);
        } else {
            inputs.push(Input {
                path: path.clone(),
                kind: InputKind::for_explicit_file(path),
            });
        }
    }
    Ok(inputs)
}

fn walk_folder(folder: &Path, found: &mut Vec<Input>) -> Result<()> {
    let entries = fs::read_dir(folder).map_err(|e| io_error(folder, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io_error(folder, e))?;
        let path = entry.path();
        let file_type = entry.file_type().map_err(|e| io_error(&path, e))?;
        if file_type.is_dir() {
            walk_folder(&path, found)?;
            continue;
        }
        // Symlinked folders are not followed, so a link back up the tree
        // cannot make the walk endless; symlinked files are read.
        let is_file = file_type.is_file() || (file_type.is_symlink() && fs::metadata(&path).is_ok_and(|m| m.is_file()));
        if !is_file {
            continue;
        }
        if let Some(kind) = InputKind::from_name(&path) {
            found.push(Input { path, kind });
        }
    }
    Ok(())
}

/// Reads one input: one page for an HTML file, one per HTML record for a
/// WARC archive. Each item is a `Result`, so one bad record or file never
/// stops the rest.
pub fn read_input(input: &Input) -> Box<dyn Iterator<Item = Result<Page>> + Send> {
    match input.kind {
        InputKind::Html | InputKind::HtmlGz => Box::new(iter::once(read_html_file(input))),
        InputKind::Warc | InputKind::WarcGz => {
            let origin = input.path.display().to_string();
            let file = match File::open(&input.path) {
                Ok(file) => file,
                Err(e) => return Box::new(iter::once(Err(io_error(&input.path, e)))),
            };
            if input.kind == InputKind::WarcGz {
                // Member by member, so a broken member costs only its records.
                let decoder = BufReader::new(GzMembers::new(file));
                Box::new(pages_from_warc(WarcReader::new(decoder, origin, true)))
            } else {
                Box::new(pages_from_warc(WarcReader::new(BufReader::new(file), origin, false)))
            }
        }
    }
}

fn read_html_file(input: &Input) -> Result<Page> {
    let origin = input.path.display().to_string();
    let file = File::open(&input.path).map_err(|e| io_error(&input.path, e))?;
    let gzipped = input.kind == InputKind::HtmlGz;
    let small = file.metadata().is_ok_and(|m| m.len() <= MAX_PAGE_BYTES);
    let read = if gzipped && small {
        read_small_gzip(file)
    } else if gzipped {
        read_capped(MultiGzDecoder::new(BufReader::new(file)), MAX_PAGE_BYTES)
    } else {
        read_capped(file, MAX_PAGE_BYTES)
    };
    let body = read.map_err(|e| capped_read_error(e, &origin, gzipped))?;
    if body.is_empty() {
        return Err(Error::Empty { origin });
    }
    Ok(Page {
        origin,
        url: None,
        body,
        charset: None,
        status: None,
        fetched_at: None,
    })
}

/// Decompresses a gzip file small enough to hold whole. The trailer names
/// the page's size, so the page's buffer is allocated once rather than
/// grown by copying, and the decoder reads the bytes in place; reading a
/// folder of pages spends much of its time here.
fn read_small_gzip(mut file: File) -> std::result::Result<Vec<u8>, CappedReadError> {
    use std::io::Read;
    let mut compressed = Vec::new();
    file.read_to_end(&mut compressed).map_err(CappedReadError::Io)?;
    // The last member's size modulo 2^32: a hint, never trusted beyond the cap.
    let stated_size = compressed
        .last_chunk::<4>()
        .map_or(0, |tail| u64::from(u32::from_le_bytes(*tail)))
        .min(MAX_PAGE_BYTES);
    let mut body = Vec::with_capacity(stated_size as usize);
    flate2::bufread::MultiGzDecoder::new(&compressed[..])
        .take(MAX_PAGE_BYTES + 1)
        .read_to_end(&mut body)
        .map_err(CappedReadError::Io)?;
    if body.len() as u64 > MAX_PAGE_BYTES {
        return Err(CappedReadError::TooLarge);
    }
    Ok(body)
}

/// Turns a failed bounded read into our error, telling damaged gzip apart
/// from an I/O failure of the file underneath.
pub(crate) fn capped_read_error(error: CappedReadError, origin: &str, gzipped: bool) -> Error {
    match error {
        CappedReadError::TooLarge => Error::TooLarge {
            origin: origin.to_string(),
            limit: MAX_PAGE_BYTES,
        },
        CappedReadError::Io(source) => read_error(source, origin, gzipped),
    }
}

pub(crate) fn read_error(source: io::Error, origin: &str, gzipped: bool) -> Error {
    let decoder_fault = matches!(
        source.kind(),
        io::ErrorKind::InvalidInput | io::ErrorKind::InvalidData | io::ErrorKind::UnexpectedEof
    );
    if gzipped && decoder_fault {
        Error::CorruptGzip {
            origin: origin.to_string(),
            source,
        }
    } else {
        Error::Io {
            origin: origin.to_string(),
            source,
        }
    }
}

fn io_error(path: &Path, source: io::Error) -> Error {
    Error::Io {
        origin: path.display().to_string(),
        source,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use flate2::write::GzEncoder;
    use flate2::Compression;

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn only_page(input: &Input) -> Result<Page> {
        let mut pages: Vec<_> = read_input(input).collect();
        assert_eq!(pages.len(), 1);
        pages.remove(0)
    }

    #[test]
    fn folders_are_walked_recursively_in_sorted_order_keeping_known_kinds() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for name in [
            "b/2.html",
            "b/1.HTM",
            "a.warc.gz",
            "a/deep/x.xhtml",
            "a/deep/x.html.gz",
            "notes.txt",
            "a/photo.png",
            "c.warc",
            "d.htm.gz",
            "e.tar.gz",
        ] {
            let path = root.join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, b"<p>x</p>").unwrap();
        }
        let inputs = list_inputs(&[root.to_path_buf()]).unwrap();
        let found: Vec<(String, InputKind)> = inputs
            .iter()
            .map(|i| {
                let rel = i.path.strip_prefix(root).unwrap();
                (rel.to_string_lossy().replace('\\', "/"), i.kind)
            })
            .collect();
        assert_eq!(
            found,
            vec![
                ("a/deep/x.html.gz".to_string(), InputKind::HtmlGz),
                ("a/deep/x.xhtml".to_string(), InputKind::Html),
                ("a.warc.gz".to_string(), InputKind::WarcGz),
                ("b/1.HTM".to_string(), InputKind::Html),
                ("b/2.html".to_string(), InputKind::Html),
                ("c.warc".to_string(), InputKind::Warc),
                ("d.htm.gz".to_string(), InputKind::HtmlGz),
            ]
        );
    }

    #[test]
    fn explicit_files_are_kept_whatever_their_name_and_missing_ones_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let odd = dir.path().join("page.txt");
        fs::write(&odd, b"<p>x</p>").unwrap();
        let inputs = list_inputs(std::slice::from_ref(&odd)).unwrap();
        assert_eq!(
            inputs,
            vec![Input {
                path: odd,
                kind: InputKind::Html
            }]
        );

        let missing = dir.path().join("nowhere.html");
        let error = list_inputs(&[missing]).unwrap_err();
        assert!(matches!(error, Error::NotFound { .. }));
        assert!(error.to_string().contains("nowhere.html"), "{error}");
    }

    #[test]
    fn reads_plain_and_gzipped_html() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.html");
        fs::write(&plain, b"<h1>plain</h1>").unwrap();
        let zipped = dir.path().join("b.html.gz");
        // Two gzip members in a row are one valid gzip file.
        let mut two_members = gzip(b"<h1>zip");
        two_members.extend(gzip(b"ped</h1>"));
        fs::write(&zipped, two_members).unwrap();

        let inputs = list_inputs(&[dir.path().to_path_buf()]).unwrap();
        let pages: Vec<Page> = inputs.iter().map(|i| only_page(i).unwrap()).collect();
        assert_eq!(pages[0].body, b"<h1>plain</h1>");
        assert_eq!(pages[0].origin, plain.display().to_string());
        assert_eq!(pages[1].body, b"<h1>zipped</h1>");
        assert_eq!(pages[1].url, None);
    }

    #[test]
    fn corrupt_gzip_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.html.gz");
        let mut bytes = gzip(&b"<p>hello world</p>".repeat(50));
        let middle = bytes.len() / 2;
        bytes[middle..].iter_mut().for_each(|b| *b ^= 0x5a);
        fs::write(&path, bytes).unwrap();
        let input = Input {
            path: path.clone(),
            kind: InputKind::HtmlGz,
        };
        let error = only_page(&input).unwrap_err();
        let message = error.to_string();
        assert!(
            message.starts_with(&format!("{}: corrupt gzip data: ", path.display())),
            "{message}"
        );

        // Not gzip at all.
        fs::write(&path, b"<p>plain text posing as gzip</p>").unwrap();
        assert!(matches!(only_page(&input), Err(Error::CorruptGzip { .. })));
    }

    #[test]
    fn gzip_bomb_stops_at_the_page_cap() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bomb.html.gz");
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        let megabyte = vec![b' '; 1024 * 1024];
        for _ in 0..(MAX_PAGE_BYTES / megabyte.len() as u64 + 2) {
            encoder.write_all(&megabyte).unwrap();
        }
        let compressed = encoder.finish().unwrap();
        assert!(compressed.len() < 1024 * 1024, "the bomb should be small on disk");
        fs::write(&path, compressed).unwrap();
        let error = only_page(&Input {
            path,
            kind: InputKind::HtmlGz,
        })
        .unwrap_err();
        assert!(
            matches!(error, Error::TooLarge { limit, .. } if limit == MAX_PAGE_BYTES),
            "{error}"
        );
    }

    #[test]
    fn empty_file_is_an_error_and_binary_bytes_pass_through() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("empty.html");
        fs::write(&empty, b"").unwrap();
        let error = only_page(&Input {
            path: empty,
            kind: InputKind::Html,
        })
        .unwrap_err();
        assert!(error.to_string().ends_with("empty.html: empty file"), "{error}");

        let png = dir.path().join("picture.html");
        let png_bytes = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        fs::write(&png, png_bytes).unwrap();
        let page = only_page(&Input {
            path: png,
            kind: InputKind::Html,
        })
        .unwrap();
        assert_eq!(page.body, png_bytes);
    }
}
