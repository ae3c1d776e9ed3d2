//! How `_User` names compare: two usernames (or two emails) that a person would read as the same
//! name are the same account name, so a look-alike of an existing account is refused as taken.
//!
//! Each name is stored as written and beside it, in an internal column with a unique index, its
//! key: the name trimmed, in Unicode NFKC (fullwidth `ｂｅｎ` and ligatures fold to `ben`), and
//! lower-cased. `Ben`, `ben ` and `ｂｅｎ` all clash with `ben` (202, or 203 for an email).
//!
//! NFKC does not fold letters of other scripts that look Latin (Cyrillic `е` in `bеn`). Folding
//! them (UTS 39 skeletons) would also refuse honest names (`modern` beside `modem`, `anna1` beside
//! `annal`), so a username may instead not mix scripts: its letters come from one script, or from
//! the combinations UTS 39 calls highly restrictive (Latin with Han, Kana or Hangul). Digits and
//! punctuation belong to every script, so `ben_42@example.com` is one script. Invisible characters
//! (controls, zero-width and bidi marks) are refused in both names: they would make look-alikes
//! that no key could catch. Emails are not held to one script: a Cyrillic mailbox at a Latin
//! domain is a real address.

use crate::error::{Code, ParseError, Result};
use crate::store::SqlValue;
use serde_json::{Map, Value};
use unicode_normalization::UnicodeNormalization;
use unicode_script::Script;
use unicode_security::mixed_script::AugmentedScriptSet;
use unicode_security::MixedScript;

/// The internal column holding the username's key.
pub const USERNAME_KEY_COLUMN: &str = "_username_key";
/// The internal column holding the email's key.
pub const EMAIL_KEY_COLUMN: &str = "_email_key";

/// The key two names share when a person would read them as one: trimmed, NFKC, lower case.
pub fn key(name: &str) -> String {
    name.trim().nfkc().collect::<String>().to_lowercase()
}

/// Characters that show nothing or reorder what follows: controls, soft hyphen, zero-width and
/// bidirectional marks, variation selectors, tags (Unicode's default-ignorable code points).
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{ad}' | '\u{34f}' | '\u{61c}' | '\u{115f}'..='\u{1160}' | '\u{17b4}'..='\u{17b5}'
            | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}' | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}'
            | '\u{ffa0}' | '\u{fff0}'..='\u{fff8}' | '\u{1bca0}'..='\u{1bca3}'
            | '\u{1d173}'..='\u{1d17a}' | '\u{e0000}'..='\u{e0fff}')
}

/// One script, or Latin with Han, Kana or Hangul (UTS 39's highly restrictive level), judged on
/// the NFKC form.
fn is_one_script(name: &str) -> bool {
    let name: String = name.nfkc().collect();
    if name.as_str().is_single_script() {
        return true;
    }
    let mut without_latin = AugmentedScriptSet::default();
    for c in name.chars() {
        let set = AugmentedScriptSet::for_char(c);
        if !set.base.contains_script(Script::Latin) {
            without_latin.intersect_with(set);
        }
    }
    without_latin.kore || without_latin.hanb || without_latin.jpan
}

fn username_key(value: &Value) -> Result<SqlValue> {
    let invalid = |message: &str| ParseError::new(Code::UsernameMissing, message);
    let name = value
        .as_str()
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| invalid("bad or missing username"))?;
    if name.chars().any(is_invisible) {
        return Err(invalid(
            "A username cannot contain invisible or control characters.",
        ));
    }
    if !is_one_script(name) {
        return Err(invalid(
            "A username cannot mix letters of different scripts.",
        ));
    }
    Ok(SqlValue::Text(key(name)))
}

fn email_key(value: &Value) -> Result<SqlValue> {
    match value {
        Value::Null => Ok(SqlValue::Null),
        Value::Object(op) if op.get("__op").and_then(Value::as_str) == Some("Delete") => {
            Ok(SqlValue::Null)
        }
        Value::String(email) if !email.chars().any(is_invisible) => Ok(SqlValue::Text(key(email))),
        _ => Err(ParseError::new(
            Code::InvalidEmailAddress,
            "Email address format is invalid.",
        )),
    }
}

/// The key columns a `_User` write sets, for the names its body sets: every route that creates or
/// renames an account goes through the engine's write plans, so none can skip them.
pub fn key_columns(body: &Map<String, Value>) -> Result<Vec<(String, SqlValue)>> {
    let mut columns = Vec::new();
    if let Some(username) = body.get("username") {
        columns.push((USERNAME_KEY_COLUMN.to_string(), username_key(username)?));
    }
    if let Some(email) = body.get("email") {
        columns.push((EMAIL_KEY_COLUMN.to_string(), email_key(email)?));
    }
    Ok(columns)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn username(name: &str) -> Result<SqlValue> {
        username_key(&json!(name))
    }

    #[test]
    fn case_width_and_surrounding_spaces_fold_to_one_key() {
        for same in ["ben", "Ben", "BEN", " ben ", "ｂｅｎ", "ｂｅｎ\u{3000}"] {
            assert_eq!(
                username(same).unwrap(),
                SqlValue::Text("ben".into()),
                "{same:?}"
            );
        }
        assert_eq!(key("ﬁne"), "fine");
        assert_eq!(key("Ben@Example.COM "), "ben@example.com");
    }

    #[test]
    fn a_latin_look_alike_with_a_cyrillic_letter_is_refused() {
        let e = username("b\u{435}n").unwrap_err();
        assert_eq!(e.code, Code::UsernameMissing);
        assert!(e.message.contains("scripts"), "{}", e.message);
    }

    #[test]
    fn names_of_one_script_and_latin_with_cjk_are_accepted() {
        for ok in [
            "ben",
            "ben_42@example.com",
            "élodie.martin",
            "иван",
            "μαρία",
            "山田太郎",
            "yamada山田",
            "たなかtanaka",
            "김민준kim",
            "o'brien-smith",
        ] {
            assert!(username(ok).is_ok(), "{ok:?}");
        }
    }

    #[test]
    fn invisible_characters_and_blank_names_are_refused() {
        for bad in [
            "be\u{200b}n",
            "ben\u{202e}",
            "b\u{ad}en",
            "ben\u{0}",
            "   ",
            "",
        ] {
            assert_eq!(
                username(bad).unwrap_err().code,
                Code::UsernameMissing,
                "{bad:?}"
            );
        }
        assert_eq!(
            username_key(&json!({"__op": "Delete"})).unwrap_err().code,
            Code::UsernameMissing
        );
        assert_eq!(
            email_key(&json!("ben\u{200d}@example.com"))
                .unwrap_err()
                .code,
            Code::InvalidEmailAddress
        );
    }

    #[test]
    fn an_email_may_mix_scripts_and_may_be_removed() {
        assert_eq!(
            email_key(&json!("иван@example.com")).unwrap(),
            SqlValue::Text("иван@example.com".into())
        );
        assert_eq!(
            email_key(&json!({"__op": "Delete"})).unwrap(),
            SqlValue::Null
        );
        assert_eq!(email_key(&Value::Null).unwrap(), SqlValue::Null);
    }

    #[test]
    fn only_the_names_a_body_sets_get_key_columns() {
        let body = json!({"username": "Ben", "role": "buyer"});
        let columns = key_columns(body.as_object().unwrap()).unwrap();
        assert_eq!(
            columns,
            vec![(
                USERNAME_KEY_COLUMN.to_string(),
                SqlValue::Text("ben".into())
            )]
        );
        assert!(key_columns(&Map::new()).unwrap().is_empty());
    }
}
