//! Parse Server's GraphQL names: a class's type name, its get and find queries (npm
//! `pluralize`'s rules), and Relay global ids (`base64("<className>:<objectId>")`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

/// `_User` → `User`, `accessLog` → `AccessLog`: no leading `_`, first letter upper-cased.
pub fn type_name(class: &str) -> String {
    upper_first(class.strip_prefix('_').unwrap_or(class))
}

/// The get query: the type name with its first letter lower-cased (`accessLog`, `user`).
pub fn get_name(class: &str) -> String {
    lower_first(&type_name(class))
}

/// The find query: the get name, pluralised as npm `pluralize` does (`products`, `people`).
pub fn find_name(class: &str) -> String {
    pluralize(&get_name(class))
}

fn upper_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_ascii_uppercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Words that are their own plural, from npm `pluralize`'s list (the common ones).
const UNCOUNTABLE: [&str; 52] = [
    "adulthood",
    "advice",
    "agenda",
    "aid",
    "aircraft",
    "alcohol",
    "ammo",
    "analytics",
    "anime",
    "athletics",
    "audio",
    "bison",
    "blood",
    "bream",
    "buffalo",
    "butter",
    "carp",
    "cash",
    "chassis",
    "chess",
    "clothing",
    "cod",
    "commerce",
    "cooperation",
    "corps",
    "debris",
    "diabetes",
    "digestion",
    "elk",
    "energy",
    "equipment",
    "excretion",
    "expertise",
    "firmware",
    "flounder",
    "fun",
    "gallows",
    "garbage",
    "graffiti",
    "hardware",
    "headquarters",
    "health",
    "information",
    "news",
    "police",
    "series",
    "sheep",
    "software",
    "species",
    "staff",
    "traffic",
    "deer",
];

/// Irregular singulars and their plurals, from npm `pluralize`.
const IRREGULAR: [(&str, &str); 30] = [
    ("i", "we"),
    ("me", "us"),
    ("he", "they"),
    ("she", "they"),
    ("them", "them"),
    ("myself", "ourselves"),
    ("this", "these"),
    ("that", "those"),
    ("echo", "echoes"),
    ("dingo", "dingoes"),
    ("volcano", "volcanoes"),
    ("tornado", "tornadoes"),
    ("torpedo", "torpedoes"),
    ("genus", "genera"),
    ("viscus", "viscera"),
    ("stigma", "stigmata"),
    ("stoma", "stomata"),
    ("dogma", "dogmata"),
    ("lemma", "lemmata"),
    ("schema", "schemata"),
    ("anathema", "anathemata"),
    ("ox", "oxen"),
    ("axe", "axes"),
    ("die", "dice"),
    ("yes", "yeses"),
    ("foot", "feet"),
    ("eave", "eaves"),
    ("goose", "geese"),
    ("tooth", "teeth"),
    ("quiz", "quizzes"),
];

/// The plural of an identifier as npm `pluralize` gives it, for the words class names use:
/// irregulars and uncountables by the last word of a camelCase name, then its suffix rules.
pub fn pluralize(word: &str) -> String {
    // `pluralize` works on the whole string, lower-cased for lookups, keeping the case of the
    // part it does not change; camelCase names end in their last word.
    let lower = word.to_ascii_lowercase();
    let last_start = word
        .char_indices()
        .rev()
        .find(|(_, c)| c.is_ascii_uppercase())
        .map_or(0, |(i, _)| i);
    let tail = &lower[last_start..];
    if UNCOUNTABLE.contains(&tail)
        || lower.ends_with("fish")
        || lower.ends_with("ois")
        || lower.ends_with("pox")
        || lower.ends_with("itis")
        || lower.ends_with("sheep")
        || lower.ends_with("deer")
        || lower.ends_with("measles")
    {
        return word.to_string();
    }
    let head = &word[..last_start];
    for (one, many) in IRREGULAR.iter().chain(&[
        ("person", "people"),
        ("man", "men"),
        ("woman", "women"),
        ("child", "children"),
        ("mouse", "mice"),
        ("louse", "lice"),
    ]) {
        if tail == *one {
            let plural = if last_start == 0 {
                many.to_string()
            } else {
                upper_first(many)
            };
            return format!("{head}{plural}");
        }
        if let Some(prefix) = tail.strip_suffix(one) {
            // `salesperson` → `salespeople`, `chairman` → `chairmen`.
            if matches!(*one, "person" | "man" | "woman" | "child") && !prefix.is_empty() {
                return format!("{}{}", &word[..word.len() - one.len()], many);
            }
        }
    }
    let ends = |suffix: &str| lower.ends_with(suffix);
    let stem = |cut: usize| &word[..word.len() - cut];
    if ends("us") && !ends("bus") {
        // `status` → `statuses`, `bus` → `buses`, `campus` → `campuses`.
        return format!("{word}es");
    }
    if ends("y") && !lower[..lower.len() - 1].ends_with(['a', 'e', 'i', 'o', 'u']) {
        return format!("{}ies", stem(1));
    }
    if ends("s") || ends("x") || ends("z") || ends("ch") || ends("sh") {
        return format!("{word}es");
    }
    if ends("fe") && !ends("ffe") {
        return format!("{}ves", stem(2));
    }
    if (ends("lf") || ends("rf") || ends("af") || ends("eaf")) && !ends("ief") {
        return format!("{}ves", stem(1));
    }
    if ends("um") && !ends("ium") && word.len() > 4 {
        // `datum` → `data`, `medium` stays regular in pluralize's newer rules.
        return format!("{}a", stem(2));
    }
    format!("{word}s")
}

/// The Relay global id of an object: `base64("<className>:<objectId>")`, class name as stored.
pub fn global_id(class: &str, object_id: &str) -> String {
    STANDARD.encode(format!("{class}:{object_id}"))
}

/// A global id's class and objectId, when `id` is one.
pub fn from_global_id(id: &str) -> Option<(String, String)> {
    let bytes = STANDARD.decode(id).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (class, object_id) = text.split_once(':')?;
    let valid_class =
        !class.is_empty() && class.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    (valid_class && !object_id.is_empty()).then(|| (class.to_string(), object_id.to_string()))
}

/// The objectId an id names: a global id of `class` is decoded, anything else is taken as an
/// objectId (both forms go in everywhere an id does).
pub fn object_id_of(class: &str, id: &str) -> String {
    match from_global_id(id) {
        Some((decoded_class, object_id)) if decoded_class == class => object_id,
        _ => id.to_string(),
    }
}

/// The objectId an id names, whatever class a global id says.
pub fn any_object_id(id: &str) -> String {
    match from_global_id(id) {
        Some((_, object_id)) => object_id,
        None => id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_parse_server() {
        assert_eq!(type_name("_User"), "User");
        assert_eq!(get_name("_User"), "user");
        assert_eq!(find_name("_User"), "users");
        assert_eq!(find_name("AccessLog"), "accessLogs");
        assert_eq!(find_name("Product"), "products");
        assert_eq!(find_name("Order"), "orders");
        assert_eq!(find_name("Artisan"), "artisans");
        assert_eq!(find_name("_Session"), "sessions");
        assert_eq!(find_name("_Role"), "roles");
        assert_eq!(type_name("accessLog"), "AccessLog");
    }

    #[test]
    fn plurals_match_npm_pluralize_for_common_words() {
        for (one, many) in [
            ("person", "people"),
            ("category", "categories"),
            ("day", "days"),
            ("box", "boxes"),
            ("status", "statuses"),
            ("series", "series"),
            ("sheep", "sheep"),
            ("news", "news"),
            ("wish", "wishes"),
            ("match", "matches"),
            ("leaf", "leaves"),
            ("knife", "knives"),
            ("child", "children"),
            ("salesPerson", "salesPeople"),
            ("productCategory", "productCategories"),
            ("class", "classes"),
        ] {
            assert_eq!(pluralize(one), many, "{one}");
        }
    }

    #[test]
    fn global_ids_keep_the_raw_class_name() {
        assert_eq!(global_id("_User", "abc"), "X1VzZXI6YWJj");
        assert_eq!(
            from_global_id("X1VzZXI6YWJj"),
            Some(("_User".into(), "abc".into()))
        );
        assert_eq!(object_id_of("_User", "X1VzZXI6YWJj"), "abc");
        assert_eq!(object_id_of("Product", "abcDEF1234"), "abcDEF1234");
        assert_eq!(from_global_id("abcDEF1234"), None);
    }
}
