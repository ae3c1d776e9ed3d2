//! What is checked of a GraphQL document before async-graphql sees it: its bracket depth
//! (before parsing: the parser recurses, and about 1,500 nested values overflow the wasm stack),
//! which operation runs, and that operation's size: root fields (aliases count), depth, and
//! fields once fragments are expanded, measured with each fragment counted once, so a
//! fragment fan-out or cycle costs nothing to refuse.

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, OperationDefinition, OperationType, Selection,
    SelectionSet,
};
use async_graphql::Positioned;
use std::collections::HashMap;

/// Deepest nesting of `{`, `[` and `(` a query text may have, for every caller: far beyond any
/// real query (a depth-12 selection with eight nested `AND`s is under 40), far below what
/// overflows the parser.
pub const MAX_BRACKET_DEPTH: usize = 64;

/// The deepest bracket nesting of a GraphQL text, outside strings and comments.
pub fn bracket_depth(text: &str) -> usize {
    let bytes = text.as_bytes();
    let (mut depth, mut deepest, mut i) = (0usize, 0usize, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 2;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b'{' | b'[' | b'(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    deepest
}

/// The operation a request runs, as Apollo Server picks it.
pub fn choose<'d>(
    doc: &'d ExecutableDocument,
    name: Option<&str>,
) -> Result<(Option<String>, &'d Positioned<OperationDefinition>), String> {
    match (&doc.operations, name) {
        (DocumentOperations::Single(op), None) => Ok((None, op)),
        (DocumentOperations::Single(op), Some("")) => Ok((None, op)),
        (DocumentOperations::Single(_), Some(name)) => {
            Err(format!("Unknown operation named \"{name}\"."))
        }
        (DocumentOperations::Multiple(ops), Some(name)) => ops
            .get(name)
            .map(|op| (Some(name.to_string()), op))
            .ok_or_else(|| format!("Unknown operation named \"{name}\".")),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => ops
            .iter()
            .next()
            .map(|(n, op)| (Some(n.to_string()), op))
            .ok_or_else(|| "No operation in the document.".to_string()),
        (DocumentOperations::Multiple(_), None) => {
            Err("Must provide operation name if query contains multiple operations.".into())
        }
    }
}

/// The size of an operation, fragments expanded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Shape {
    pub kind: Option<OperationType>,
    /// Root fields, aliases and fragments included: each is one more resolver at the root.
    pub root_fields: usize,
    /// The names of the first root fields, for the request log.
    pub root_names: Vec<String>,
    /// Levels of fields (`products { edges { node { title } } }` is 4).
    pub depth: usize,
    /// Fields once fragments are expanded.
    pub fields: usize,
    /// Whether `__schema` or `__type` is asked for anywhere.
    pub introspection: bool,
    /// Whether every root field is `__schema`, `__type` or `__typename`.
    pub only_introspection: bool,
}

/// What is measured of a selection set; fragments are measured once and remembered.
#[derive(Debug, Clone, Copy, Default)]
struct Measure {
    fields: u64,
    depth: usize,
    roots: u64,
    introspection: bool,
    only_introspection: bool,
}

struct Measurer<'d> {
    doc: &'d ExecutableDocument,
    done: HashMap<&'d str, Measure>,
    visiting: Vec<&'d str>,
}

impl<'d> Measurer<'d> {
    fn selection_set(&mut self, set: &'d SelectionSet) -> Result<Measure, String> {
        let mut m = Measure {
            only_introspection: true,
            ..Measure::default()
        };
        for item in &set.items {
            let inner = match &item.node {
                Selection::Field(field) => {
                    let name = field.node.name.node.as_str();
                    let sub = self.selection_set(&field.node.selection_set.node)?;
                    let introspective = matches!(name, "__schema" | "__type");
                    Measure {
                        fields: 1 + sub.fields,
                        depth: 1 + sub.depth,
                        roots: 1,
                        introspection: introspective || sub.introspection,
                        only_introspection: introspective || name == "__typename",
                    }
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    self.fragment(name)?
                }
                Selection::InlineFragment(inline) => {
                    self.selection_set(&inline.node.selection_set.node)?
                }
            };
            m.fields = m.fields.saturating_add(inner.fields);
            m.roots = m.roots.saturating_add(inner.roots);
            m.depth = m.depth.max(inner.depth);
            m.introspection |= inner.introspection;
            m.only_introspection &= inner.only_introspection;
        }
        Ok(m)
    }

    fn fragment(&mut self, name: &'d str) -> Result<Measure, String> {
        if let Some(m) = self.done.get(name) {
            return Ok(*m);
        }
        if self.visiting.contains(&name) {
            return Err(format!("Cannot spread fragment \"{name}\" within itself."));
        }
        // An unknown fragment is async-graphql's to report, in its own words.
        let Some((key, fragment)) = self.doc.fragments.get_key_value(name) else {
            return Ok(Measure::default());
        };
        self.visiting.push(key.as_str());
        let m = self.selection_set(&fragment.node.selection_set.node);
        self.visiting.pop();
        let m = m?;
        self.done.insert(key.as_str(), m);
        Ok(m)
    }
}

/// Measures an operation; a fragment cycle is refused here.
pub fn measure(
    doc: &ExecutableDocument,
    op: &Positioned<OperationDefinition>,
) -> Result<Shape, String> {
    let mut measurer = Measurer {
        doc,
        done: HashMap::new(),
        visiting: Vec::new(),
    };
    let m = measurer.selection_set(&op.node.selection_set.node)?;
    let root_names = op
        .node
        .selection_set
        .node
        .items
        .iter()
        .filter_map(|item| match &item.node {
            Selection::Field(field) => Some(field.node.name.node.to_string()),
            _ => None,
        })
        .take(5)
        .collect();
    Ok(Shape {
        kind: Some(op.node.ty),
        root_fields: usize::try_from(m.roots).unwrap_or(usize::MAX),
        root_names,
        depth: m.depth,
        fields: usize::try_from(m.fields).unwrap_or(usize::MAX),
        introspection: m.introspection,
        only_introspection: m.only_introspection && m.roots > 0,
    })
}

/// The limits an operation must keep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub depth: usize,
    pub root_fields: usize,
    pub fields: usize,
}

impl Limits {
    /// Anyone but the master key. An introspection query (GraphiQL's nests `ofType` eight
    /// deep) gets more depth and fields, when introspection is open at all.
    pub const CLIENT: Limits = Limits {
        depth: 12,
        root_fields: 20,
        fields: 500,
    };
    pub const CLIENT_INTROSPECTION: Limits = Limits {
        depth: 20,
        root_fields: 20,
        fields: 1_000,
    };
    /// The master key: wider, never unbounded (a fragment fan-out is exponential).
    pub const MASTER: Limits = Limits {
        depth: 30,
        root_fields: 100,
        fields: 10_000,
    };

    /// Why `shape` is refused, in Parse's words where Parse has a limit of that kind.
    pub fn check(&self, shape: &Shape) -> Result<(), String> {
        if shape.depth > self.depth {
            return Err(format!(
                "GraphQL query depth of {} exceeds maximum allowed depth of {}",
                shape.depth, self.depth
            ));
        }
        if shape.root_fields > self.root_fields {
            return Err(format!(
                "GraphQL operation has {} root fields (aliases included), more than the maximum of {}",
                shape.root_fields, self.root_fields
            ));
        }
        if shape.fields > self.fields {
            return Err(format!(
                "GraphQL query asks for {} fields, more than the maximum of {}",
                shape.fields, self.fields
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::parser::parse_query;

    fn shape(query: &str) -> Result<Shape, String> {
        let doc = parse_query(query).map_err(|e| e.to_string())?;
        let (_, op) = choose(&doc, None)?;
        measure(&doc, op)
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        assert_eq!(bracket_depth("{ a(x: \"{{{[[[\") { b { c } } }"), 3);
        assert_eq!(bracket_depth("# {{{{{{\n{ a }"), 1);
        assert_eq!(bracket_depth("{ a(x: \"\"\" {{{ \\\"\"\" {{ \"\"\") }"), 2);
        assert_eq!(bracket_depth(&"[".repeat(10_000)), 10_000);
    }

    #[test]
    fn a_fragment_fan_out_is_measured_without_expanding_it() {
        let mut query = String::from("query { ...F0 }\n");
        for i in 0..40 {
            query.push_str(&format!(
                "fragment F{i} on Query {{ ...F{} ...F{} }}\n",
                i + 1,
                i + 1
            ));
        }
        query.push_str("fragment F40 on Query { health }\n");
        let s = shape(&query).unwrap();
        assert_eq!(s.fields, 1 << 40);
        assert!(Limits::MASTER.check(&s).is_err());
    }

    #[test]
    fn a_fragment_cycle_is_refused() {
        let e = shape("query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }")
            .unwrap_err();
        assert!(e.contains("within itself"), "{e}");
    }

    #[test]
    fn aliases_count_as_root_fields_and_depth_counts_levels() {
        let s = shape("{ a: health b: health ... on Query { c: health } products { edges { node { title } } } }")
            .unwrap();
        assert_eq!(s.root_fields, 4);
        assert_eq!(s.depth, 4);
        assert!(!s.introspection);
        let s = shape("{ __schema { types { name } } __typename }").unwrap();
        assert!(s.introspection && s.only_introspection);
    }

    #[test]
    fn the_operation_is_chosen_as_apollo_does() {
        let doc = parse_query("query A { health } query B { health }").unwrap();
        assert!(choose(&doc, None).unwrap_err().contains("operation name"));
        assert_eq!(choose(&doc, Some("B")).unwrap().0.as_deref(), Some("B"));
        assert!(choose(&doc, Some("C"))
            .unwrap_err()
            .contains("Unknown operation"));
    }
}
