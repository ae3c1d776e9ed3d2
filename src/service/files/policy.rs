//! The files settings, Parse Server's `fileUpload` options and more, from `wrangler.toml`
//! `[vars]`:
//!
//! | var | default | what |
//! |---|---|---|
//! | `FILE_UPLOAD_ENABLE_FOR_AUTHENTICATED_USER` | true | signed-in users may upload |
//! | `FILE_UPLOAD_ENABLE_FOR_ANONYMOUS_USER` | false | Parse's anonymous users may upload (none can sign up here, so this has nothing to allow) |
//! | `FILE_UPLOAD_ENABLE_FOR_PUBLIC` | false | clients without a session may upload |
//! | `FILE_UPLOAD_MAX_BYTES` | 10485760 | largest file (413, code 129, beyond it) |
//! | `FILE_UPLOAD_ALLOWED_TYPES` | JPEG, PNG, WebP, AVIF, GIF | the types accepted, by content; `application/pdf` may be added; nothing a browser runs can be |
//! | `FILE_UPLOAD_PENDING_MINUTES` | 1440 | how long an upload no object references is kept |
//! | `FILE_EDGE_CACHE` | true | deployed, serve files through the colo's Workers cache |
//!
//! The master key may always upload, any accepted type. The per-user upload rate limit is with
//! the other abuse limits (`FILE_UPLOAD_LIMIT`, `FILE_UPLOAD_WINDOW_MINUTES`).

use super::sniff::Kind;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePolicy {
    pub enable_for_authenticated_user: bool,
    pub enable_for_anonymous_user: bool,
    pub enable_for_public: bool,
    pub max_bytes: usize,
    pub allowed: Vec<Kind>,
    pub pending_ms: i64,
    pub edge_cache: bool,
}

pub const DEFAULT_MAX_BYTES: usize = 10 * 1024 * 1024;
/// Largest `FILE_UPLOAD_MAX_BYTES` honoured: a worker holds a body in memory (128 MB per
/// isolate), and the base64 form of the JS SDK is a third larger.
pub const MAX_MAX_BYTES: usize = 50 * 1024 * 1024;

impl Default for FilePolicy {
    fn default() -> Self {
        FilePolicy {
            enable_for_authenticated_user: true,
            enable_for_anonymous_user: false,
            enable_for_public: false,
            max_bytes: DEFAULT_MAX_BYTES,
            allowed: vec![Kind::Jpeg, Kind::Png, Kind::WebP, Kind::Avif, Kind::Gif],
            pending_ms: 24 * 60 * 60_000,
            edge_cache: true,
        }
    }
}

impl FilePolicy {
    /// The policy from a variable lookup (non-empty values only); unparsable values keep their
    /// defaults, as every other var does.
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let d = FilePolicy::default();
        let flag =
            |name: &str, default: bool| match var(name).map(|v| v.trim().to_ascii_lowercase()) {
                Some(v) if v == "true" || v == "1" => true,
                Some(v) if v == "false" || v == "0" => false,
                _ => default,
            };
        let allowed = var("FILE_UPLOAD_ALLOWED_TYPES")
            .map(|list| {
                let mut kinds: Vec<Kind> = Vec::new();
                for kind in list.split([',', ' ']).filter_map(Kind::from_mime) {
                    if !kinds.contains(&kind) {
                        kinds.push(kind);
                    }
                }
                kinds
            })
            .unwrap_or(d.allowed);
        FilePolicy {
            enable_for_authenticated_user: flag(
                "FILE_UPLOAD_ENABLE_FOR_AUTHENTICATED_USER",
                d.enable_for_authenticated_user,
            ),
            enable_for_anonymous_user: flag(
                "FILE_UPLOAD_ENABLE_FOR_ANONYMOUS_USER",
                d.enable_for_anonymous_user,
            ),
            enable_for_public: flag("FILE_UPLOAD_ENABLE_FOR_PUBLIC", d.enable_for_public),
            max_bytes: var("FILE_UPLOAD_MAX_BYTES")
                .and_then(|v| v.trim().parse::<usize>().ok())
                .filter(|n| *n >= 1)
                .map(|n| n.min(MAX_MAX_BYTES))
                .unwrap_or(d.max_bytes),
            allowed,
            pending_ms: var("FILE_UPLOAD_PENDING_MINUTES")
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|m| m.is_finite() && *m >= 0.0 && *m <= 366.0 * 24.0 * 60.0)
                .map(|m| (m * 60_000.0).round() as i64)
                .unwrap_or(d.pending_ms),
            edge_cache: flag("FILE_EDGE_CACHE", d.edge_cache),
        }
    }

    /// The most bytes an upload's request body may have: the file itself, or its base64 in the
    /// JS SDK's JSON form (a third larger), with room for that form's other fields.
    pub fn max_body_bytes(&self) -> usize {
        self.max_bytes / 3 * 4 + 8 + 64 * 1024
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> FilePolicy {
        let vars: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        FilePolicy::from_vars(|name| vars.get(name).cloned())
    }

    #[test]
    fn the_defaults_are_parse_servers_with_images_only_up_to_ten_mebibytes() {
        let policy = from(&[]);
        assert_eq!(policy, FilePolicy::default());
        assert!(policy.enable_for_authenticated_user);
        assert!(!policy.enable_for_anonymous_user && !policy.enable_for_public);
        assert_eq!(policy.max_bytes, 10 * 1024 * 1024);
        assert!(policy.allowed.iter().all(|k| k.inline()));
    }

    #[test]
    fn the_allow_list_takes_known_types_only_and_never_markup() {
        let policy = from(&[(
            "FILE_UPLOAD_ALLOWED_TYPES",
            "image/png, text/html,image/svg+xml application/pdf,image/png",
        )]);
        assert_eq!(policy.allowed, vec![Kind::Png, Kind::Pdf]);
        assert_eq!(from(&[("FILE_UPLOAD_ALLOWED_TYPES", "")]).allowed, vec![]);
    }

    #[test]
    fn sizes_and_flags_parse_and_bad_values_keep_the_defaults() {
        let policy = from(&[
            ("FILE_UPLOAD_MAX_BYTES", "2048"),
            ("FILE_UPLOAD_ENABLE_FOR_PUBLIC", "true"),
            ("FILE_UPLOAD_ENABLE_FOR_AUTHENTICATED_USER", "0"),
            ("FILE_UPLOAD_PENDING_MINUTES", "0.5"),
        ]);
        assert_eq!(policy.max_bytes, 2048);
        assert!(policy.enable_for_public && !policy.enable_for_authenticated_user);
        assert_eq!(policy.pending_ms, 30_000);
        let bad = from(&[
            ("FILE_UPLOAD_MAX_BYTES", "-1"),
            ("FILE_UPLOAD_ENABLE_FOR_PUBLIC", "yes please"),
            ("FILE_UPLOAD_PENDING_MINUTES", "NaN"),
        ]);
        assert_eq!(bad, FilePolicy::default());
        assert_eq!(
            from(&[("FILE_UPLOAD_MAX_BYTES", "999999999999")]).max_bytes,
            MAX_MAX_BYTES
        );
    }
}
