//! What a file is, decided by its first bytes (its magic number), never by its name or the
//! type the client declared: a browser that is told `image/png` (with `nosniff`) never runs a
//! PNG as a page, whatever the uploader called it.

/// The kinds of file this server can recognise and may accept. Nothing a browser could run
/// (HTML, SVG, scripts, XML) is among them, so no allow-list can let one in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Gif,
    WebP,
    Avif,
    Pdf,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Jpeg,
        Kind::Png,
        Kind::Gif,
        Kind::WebP,
        Kind::Avif,
        Kind::Pdf,
    ];

    pub fn mime(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Gif => "image/gif",
            Kind::WebP => "image/webp",
            Kind::Avif => "image/avif",
            Kind::Pdf => "application/pdf",
        }
    }

    /// The extensions a name of this kind may end with; the first is the one a name without
    /// any of them gets.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            Kind::Jpeg => &["jpg", "jpeg", "jpe"],
            Kind::Png => &["png"],
            Kind::Gif => &["gif"],
            Kind::WebP => &["webp"],
            Kind::Avif => &["avif"],
            Kind::Pdf => &["pdf"],
        }
    }

    /// Shown in the page (`Content-Disposition: inline`): images only. Anything else is served
    /// as an attachment, which a browser saves instead of opening on the API's origin.
    pub fn inline(self) -> bool {
        self != Kind::Pdf
    }

    pub fn from_mime(mime: &str) -> Option<Kind> {
        let mime = mime.trim().to_ascii_lowercase();
        let mime = match mime.as_str() {
            "image/jpg" | "image/pjpeg" => "image/jpeg",
            other => other,
        };
        Kind::ALL.into_iter().find(|k| k.mime() == mime)
    }
}

/// The kind of `bytes`, when they start as one of the kinds does.
pub fn sniff(bytes: &[u8]) -> Option<Kind> {
    let at = |offset: usize, magic: &[u8]| bytes.get(offset..offset + magic.len()) == Some(magic);
    if at(0, &[0xFF, 0xD8, 0xFF]) {
        return Some(Kind::Jpeg);
    }
    if at(0, b"\x89PNG\r\n\x1a\n") {
        return Some(Kind::Png);
    }
    if at(0, b"GIF87a") || at(0, b"GIF89a") {
        return Some(Kind::Gif);
    }
    if at(0, b"RIFF") && at(8, b"WEBP") {
        return Some(Kind::WebP);
    }
    if at(4, b"ftyp") && is_avif(bytes) {
        return Some(Kind::Avif);
    }
    if at(0, b"%PDF-") {
        return Some(Kind::Pdf);
    }
    None
}

/// An ISO-BMFF `ftyp` box whose major or compatible brands include `avif` (a still image) or
/// `avis` (a sequence).
fn is_avif(bytes: &[u8]) -> bool {
    let Some(size) = bytes
        .get(0..4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    else {
        return false;
    };
    let end = (size as usize).clamp(8, 256).min(bytes.len());
    let brands = |range: std::ops::Range<usize>| bytes.get(range).unwrap_or_default();
    let major = brands(8..12);
    if major == b"avif" || major == b"avis" {
        return true;
    }
    // Compatible brands follow the major brand and its minor version.
    brands(16..end)
        .chunks_exact(4)
        .any(|b| b == b"avif" || b == b"avis")
}

/// What unrecognised bytes look like, for the refusal's message: a browser could run some.
pub fn describe_unknown(bytes: &[u8]) -> &'static str {
    let head: String = String::from_utf8_lossy(&bytes[..bytes.len().min(512)])
        .trim_start_matches('\u{feff}')
        .trim_start()
        .to_ascii_lowercase();
    if head.starts_with("<svg") || (head.starts_with("<?xml") && head.contains("<svg")) {
        "SVG, which a browser can run scripts from"
    } else if [
        "<!doctype html",
        "<html",
        "<script",
        "<head",
        "<body",
        "<iframe",
    ]
    .iter()
    .any(|tag| head.starts_with(tag))
    {
        "HTML, which a browser would run"
    } else if head.starts_with("<?xml") || head.starts_with('<') {
        "markup a browser could run"
    } else {
        "not one of the accepted types"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_told_by_its_magic_bytes() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some(Kind::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some(Kind::Png));
        assert_eq!(sniff(b"GIF89a\x01\0\x01\0"), Some(Kind::Gif));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some(Kind::WebP));
        assert_eq!(
            sniff(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf"),
            Some(Kind::Avif)
        );
        assert_eq!(
            sniff(b"\0\0\0\x20ftypmif1\0\0\0\0mif1avifmiafMA1B"),
            Some(Kind::Avif)
        );
        assert_eq!(sniff(b"%PDF-1.7\n"), Some(Kind::Pdf));
    }

    #[test]
    fn markup_and_other_text_is_no_kind_whatever_it_is_called() {
        for bytes in [
            &b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"[..],
            b"<?xml version='1.0'?><svg/>",
            b"\xef\xbb\xbf  <!DOCTYPE html><html></html>",
            b"<script>alert(1)</script>",
            b"alert(document.cookie)",
            b"\0\0\0\x1cftypisom\0\0\0\0isomiso2",
            b"RIFF\x24\0\0\0WAVEfmt ",
            b"",
            b"\xFF\xD8",
        ] {
            assert_eq!(sniff(bytes), None, "{:?}", String::from_utf8_lossy(bytes));
        }
        assert!(describe_unknown(b"<svg onload=alert(1)>").starts_with("SVG"));
        assert!(describe_unknown(b"\n<!doctype html>").starts_with("HTML"));
    }

    #[test]
    fn declared_types_map_to_kinds_with_their_usual_aliases() {
        assert_eq!(Kind::from_mime(" Image/JPG "), Some(Kind::Jpeg));
        assert_eq!(Kind::from_mime("image/svg+xml"), None);
        assert_eq!(Kind::from_mime("text/html"), None);
    }
}
