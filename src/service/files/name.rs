//! File names: what a client calls a file becomes a readable, harmless name, and the stored
//! name gets a unique random prefix, as Parse Server gives it (`<32 hex>_<name>`). The stored
//! name is the object's key and its URL's last segment, so it never holds a path.

use super::sniff::Kind;
use crate::error::{Code, ParseError, Result};

/// Longest name kept of what the client sent, in characters (the extension included).
pub const MAX_CHARS: usize = 100;
/// Longest name a client may send at all, in bytes: beyond it the upload is refused (122), as
/// Parse Server refuses names over 128 characters, rather than silently cut to nothing useful.
pub const MAX_SENT_BYTES: usize = 1024;

/// Characters kept besides letters and digits (of any script).
const KEPT: &[char] = &['.', '_', '-', '~', '@', ' ', '(', ')', '+', ','];

/// A readable name for what the client called a file of kind `kind`:
/// - only its last path segment (`../../etc/passwd` is `passwd`; both `/` and `\` separate);
/// - control, format and bidirectional characters dropped (no `exe.png` shown as `png.exe`);
/// - letters and digits of every script kept, so `Vase bleu été.jpg` stays readable; any other
///   character becomes `_`; runs of spaces become one;
/// - no leading or trailing dots, spaces or `_` (no hidden names, no `..`);
/// - at most `MAX_CHARS` characters;
/// - ending with an extension of its kind (`photo.html` holding a PNG is `photo.html.png`).
pub fn sanitize(sent: &str, kind: Kind) -> Result<String> {
    if sent.len() > MAX_SENT_BYTES {
        return Err(ParseError::new(Code::InvalidFileName, "Filename too long."));
    }
    let last = sent.rsplit(['/', '\\']).next().unwrap_or_default();
    let mut name = String::with_capacity(last.len());
    for c in last.chars() {
        let c = if c.is_whitespace() {
            ' '
        } else if c.is_control() || is_format(c) {
            continue;
        } else if c.is_alphanumeric() || KEPT.contains(&c) {
            c
        } else {
            '_'
        };
        if c == ' ' && name.ends_with(' ') {
            continue;
        }
        name.push(c);
    }
    let trim = |c: char| c == '.' || c == ' ' || c == '_';
    let mut name = name.trim_matches(trim).to_string();
    let extension = kind.extensions()[0];
    let has_extension = name.rsplit_once('.').is_some_and(|(_, ext)| {
        kind.extensions()
            .contains(&ext.to_ascii_lowercase().as_str())
    });
    let (stem, ext) = if has_extension {
        let (stem, ext) = name.rsplit_once('.').unwrap_or((&name, extension));
        (stem.to_string(), ext.to_string())
    } else {
        (std::mem::take(&mut name), extension.to_string())
    };
    let room = MAX_CHARS - ext.chars().count() - 1;
    let stem: String = stem.chars().take(room).collect();
    let stem = stem.trim_matches(trim);
    let stem = if stem.is_empty() { "file" } else { stem };
    Ok(format!("{stem}.{ext}"))
}

/// Unicode's format characters that change how text reads without showing: bidirectional
/// overrides and isolates, zero-width characters, the byte-order mark.
fn is_format(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{061C}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// `<public URL of the mount>/files/<app id>/`: file URLs are this and the encoded name.
pub fn url_prefix(base: &str, app_id: &str) -> String {
    format!("{base}/files/{}/", crate::engine::files::url("", app_id))
}

/// The stored name: 32 random hex characters, `_`, and the readable name.
pub fn unique(readable: &str) -> Result<String> {
    let mut bytes = [0u8; 16];
    crate::platform::random_bytes(&mut bytes)?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{hex}_{readable}"))
}

/// The readable part of a stored name (what follows the prefix), for `Content-Disposition`.
pub fn readable(stored: &str) -> &str {
    match stored.split_once('_') {
        Some((prefix, rest)) if prefix.len() == 32 && !rest.is_empty() => rest,
        _ => stored,
    }
}

/// Whether `name` can be a stored name at all: anything else is not found without asking the
/// bucket.
pub fn plausible(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= crate::engine::files::MAX_NAME_LENGTH
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(sent: &str) -> String {
        sanitize(sent, Kind::Png).unwrap()
    }

    #[test]
    fn path_tricks_leave_only_the_last_segment() {
        assert_eq!(png("../../etc/passwd"), "passwd.png");
        assert_eq!(png("..\\..\\windows\\win.ini"), "win.ini.png");
        assert_eq!(png("/abs/path/photo.png"), "photo.png");
        assert_eq!(png(".."), "file.png");
        assert_eq!(png("..."), "file.png");
        assert_eq!(png(".hidden.png"), "hidden.png");
        assert_eq!(png(""), "file.png");
    }

    #[test]
    fn unicode_stays_readable_and_tricks_are_dropped() {
        assert_eq!(png("Vase bleu été.png"), "Vase bleu été.png");
        assert_eq!(png("花瓶.PNG"), "花瓶.PNG");
        // U+202E would show "photo\u{202E}gnp.exe" as "photoexe.png".
        assert_eq!(png("photo\u{202E}gnp.exe"), "photognp.exe.png");
        assert_eq!(png("a\u{0000}b\u{200B}c\tdd  e.png"), "abc dd e.png");
        // `/` separates segments: only `script>.png` is left, and `>` is no name character.
        assert_eq!(png("<script>alert(1)</script>.png"), "script.png");
        assert_eq!(png("<b>bold<b>?.png"), "b_bold_b.png");
    }

    #[test]
    fn the_extension_follows_the_content_not_the_name() {
        assert_eq!(png("evil.html"), "evil.html.png");
        assert_eq!(png("photo"), "photo.png");
        assert_eq!(sanitize("photo.JPEG", Kind::Jpeg).unwrap(), "photo.JPEG");
        assert_eq!(sanitize("photo.png", Kind::Jpeg).unwrap(), "photo.png.jpg");
    }

    #[test]
    fn long_names_are_cut_keeping_the_extension_and_absurd_ones_refused() {
        let name = png(&format!("{}.png", "é".repeat(300)));
        assert_eq!(name.chars().count(), MAX_CHARS);
        assert!(name.ends_with("é.png"));
        let e = sanitize(&"a".repeat(MAX_SENT_BYTES + 1), Kind::Png).unwrap_err();
        assert_eq!(e.code, Code::InvalidFileName);
    }

    #[test]
    fn stored_names_are_unique_and_keep_the_readable_part() {
        let a = unique("vase.png").unwrap();
        let b = unique("vase.png").unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32 + 1 + "vase.png".len());
        assert_eq!(readable(&a), "vase.png");
        assert!(plausible(&a));
        assert!(!plausible("a/b"));
        assert!(!plausible(""));
    }
}
