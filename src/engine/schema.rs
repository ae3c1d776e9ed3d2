//! The schema registry: which classes exist, their typed fields and their class-level permissions.
//!
//! It lives in the `_SCHEMA` table (one JSON document per class, in the shape Parse's `/schemas`
//! answers with) and is cached in isolate memory, so a request compiles its SQL without a round trip.
//! Every identifier that reaches SQL comes from here, after `validate_field_name`.

use crate::error::{Code, ParseError, Result};
use indexmap::IndexMap;
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;

/// Parse field types. Opaque types (GeoPoint, File, Bytes, Polygon) are stored as JSON and support
/// equality and existence queries only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldType {
    String,
    Number,
    Boolean,
    Date,
    Object,
    Array,
    Pointer(String),
    /// A many-to-many link, stored in its own join table (`relation_table`), not in a column.
    Relation(String),
    GeoPoint,
    File,
    Bytes,
    Polygon,
}

impl FieldType {
    pub fn from_json(spec: &Value) -> Result<FieldType> {
        let name = spec.get("type").and_then(Value::as_str).unwrap_or_default();
        let target = spec.get("targetClass").and_then(Value::as_str);
        Ok(match (name, target) {
            ("String", _) => FieldType::String,
            ("Number", _) => FieldType::Number,
            ("Boolean", _) => FieldType::Boolean,
            ("Date", _) => FieldType::Date,
            ("Object", _) => FieldType::Object,
            ("Array", _) => FieldType::Array,
            ("GeoPoint", _) => FieldType::GeoPoint,
            ("File", _) => FieldType::File,
            ("Bytes", _) => FieldType::Bytes,
            ("Polygon", _) => FieldType::Polygon,
            ("Pointer", Some(target)) => {
                validate_class_name(target)?;
                FieldType::Pointer(target.to_string())
            }
            ("Pointer", None) => {
                return Err(ParseError::new(
                    Code::MissingObjectId,
                    "type Pointer needs a class name",
                ))
            }
            ("Relation", Some(target)) => {
                validate_class_name(target)?;
                FieldType::Relation(target.to_string())
            }
            ("Relation", None) => {
                return Err(ParseError::new(
                    Code::MissingObjectId,
                    "type Relation needs a class name",
                ))
            }
            (other, _) => {
                return Err(ParseError::incorrect_type(format!(
                    "invalid field type: {other}"
                )))
            }
        })
    }

    pub fn to_json(&self) -> Value {
        match self {
            FieldType::Pointer(target) => json!({"type": "Pointer", "targetClass": target}),
            FieldType::Relation(target) => json!({"type": "Relation", "targetClass": target}),
            other => json!({ "type": other.name() }),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            FieldType::String => "String",
            FieldType::Number => "Number",
            FieldType::Boolean => "Boolean",
            FieldType::Date => "Date",
            FieldType::Object => "Object",
            FieldType::Array => "Array",
            FieldType::Pointer(_) => "Pointer",
            FieldType::Relation(_) => "Relation",
            FieldType::GeoPoint => "GeoPoint",
            FieldType::File => "File",
            FieldType::Bytes => "Bytes",
            FieldType::Polygon => "Polygon",
        }
    }

    /// SQLite column declaration. NUMERIC affinity keeps whole numbers as integers, so `3` reads
    /// back as `3`, not `3.0`.
    pub fn sql_type(&self) -> &'static str {
        match self {
            FieldType::Number => "NUMERIC",
            FieldType::Boolean => "INTEGER",
            _ => "TEXT",
        }
    }
}

/// The join table of a relation field, named as Parse Server names it.
pub fn relation_table(class: &str, field: &str) -> String {
    format!("_Join:{field}:{class}")
}

/// Fields every class has; they are columns but not entries of `fields`.
pub const DEFAULT_FIELDS: [&str; 4] = ["objectId", "createdAt", "updatedAt", "ACL"];

/// Fields a class takes on write but never stores as such or returns: `_User.password` becomes
/// a hash in an internal column. The schema lists them (Parse Dashboard offers a password when
/// it creates a user), and no field of that name can be added.
pub const WRITE_ONLY_FIELDS: [(&str, &str); 1] = [("_User", "password")];

/// Whether `field` of `class` exists without being a column: a default or write-only field.
pub fn is_reserved_field(class: &str, field: &str) -> bool {
    DEFAULT_FIELDS.contains(&field) || WRITE_ONLY_FIELDS.contains(&(class, field))
}

/// Columns that exist for the engine's own use and are never read or written by name from a client.
#[cfg(test)]
pub fn is_internal_column(name: &str) -> bool {
    name.starts_with('_')
}

#[derive(Debug, Clone, PartialEq)]
pub struct ClassSchema {
    pub name: String,
    /// In the order they were added: `/schemas` lists them so, as Parse Server does.
    pub fields: IndexMap<String, FieldType>,
    /// Class-level permissions in Parse's JSON shape; evaluated by the access module.
    pub clp: Map<String, Value>,
    /// Index definitions as `/schemas` reports them (informational; created by migrations).
    pub indexes: Map<String, Value>,
}

impl ClassSchema {
    pub fn new(name: &str) -> Self {
        ClassSchema {
            name: name.to_string(),
            fields: IndexMap::new(),
            clp: default_clp(),
            indexes: Map::new(),
        }
    }

    /// Reads the stored document of `_SCHEMA.schema`.
    pub fn from_document(name: &str, doc: &Value) -> Result<Self> {
        let mut schema = ClassSchema::new(name);
        if let Some(fields) = doc.get("fields").and_then(Value::as_object) {
            for (field, spec) in fields {
                schema
                    .fields
                    .insert(field.clone(), FieldType::from_json(spec)?);
            }
        }
        if let Some(clp) = doc.get("classLevelPermissions").and_then(Value::as_object) {
            schema.clp = clp.clone();
        }
        if let Some(indexes) = doc.get("indexes").and_then(Value::as_object) {
            schema.indexes = indexes.clone();
        }
        Ok(schema)
    }

    /// The stored document: what `from_document` reads back.
    pub fn to_document(&self) -> Value {
        let fields: Map<String, Value> = self
            .fields
            .iter()
            .map(|(k, t)| (k.clone(), t.to_json()))
            .collect();
        json!({"fields": fields, "classLevelPermissions": self.clp, "indexes": self.indexes})
    }

    /// The `/schemas` answer for this class, default fields included, as Parse Server gives it.
    pub fn to_api_json(&self) -> Value {
        let mut fields = Map::new();
        fields.insert("objectId".into(), json!({"type": "String"}));
        fields.insert("createdAt".into(), json!({"type": "Date"}));
        fields.insert("updatedAt".into(), json!({"type": "Date"}));
        fields.insert("ACL".into(), json!({"type": "ACL"}));
        for (class, field) in WRITE_ONLY_FIELDS {
            if class == self.name {
                fields.insert(field.into(), json!({"type": "String"}));
            }
        }
        for (k, t) in &self.fields {
            fields.insert(k.clone(), t.to_json());
        }
        let mut out = json!({
            "className": self.name,
            "fields": fields,
            "classLevelPermissions": self.clp,
        });
        if !self.indexes.is_empty() {
            out["indexes"] = Value::Object(self.indexes.clone());
        }
        out
    }

    /// Fields stored as columns of the class's table (every field but relations).
    pub fn column_fields(&self) -> impl Iterator<Item = (&String, &FieldType)> {
        self.fields
            .iter()
            .filter(|(_, t)| !matches!(t, FieldType::Relation(_)))
    }

    /// The type of a field a query or write names; `None` for a field the class does not have.
    pub fn field_type(&self, field: &str) -> Option<FieldType> {
        match field {
            "objectId" => Some(FieldType::String),
            "createdAt" | "updatedAt" => Some(FieldType::Date),
            _ => self.fields.get(field).cloned(),
        }
    }
}

/// Parse's default CLP: everything open to everyone; `protectedFields` hides nothing.
pub fn default_clp() -> Map<String, Value> {
    let open = json!({"*": true});
    let mut clp = Map::new();
    for op in [
        "find", "count", "get", "create", "update", "delete", "addField",
    ] {
        clp.insert(op.into(), open.clone());
    }
    clp.insert("protectedFields".into(), json!({"*": []}));
    clp
}

/// Class names: a letter or `_` first, then letters, digits and `_` (Parse's rule). System classes
/// start with `_` and only the known ones are valid.
pub fn validate_class_name(name: &str) -> Result<()> {
    const SYSTEM: [&str; 4] = ["_User", "_Session", "_Role", "_Installation"];
    let valid = if name.starts_with('_') {
        SYSTEM.contains(&name)
    } else {
        is_identifier(name)
    };
    if valid {
        Ok(())
    } else {
        Err(ParseError::new(
            Code::InvalidClassName,
            format!("Invalid classname: {name}, classnames can only have alphanumeric characters and _, and must start with an alpha character "),
        ))
    }
}

/// Field names: a letter first, then letters, digits and `_`, at most 64 characters.
pub fn validate_field_name(name: &str) -> Result<()> {
    if is_identifier(name) && !name.starts_with('_') {
        Ok(())
    } else {
        Err(ParseError::invalid_key(name))
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && name.len() <= 64
}

/// All classes, as cached in the isolate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Registry {
    pub classes: BTreeMap<String, ClassSchema>,
}

impl Registry {
    /// The statement that loads the registry.
    pub const LOAD_SQL: &'static str = "SELECT className, schema FROM \"_SCHEMA\"";

    pub fn from_rows(rows: &[crate::store::Row]) -> Result<Self> {
        let mut classes = BTreeMap::new();
        for row in rows {
            let name = row
                .get("className")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let doc: Value = row
                .get("schema")
                .and_then(Value::as_str)
                .and_then(|s| serde_json::from_str(s).ok())
                .ok_or_else(|| {
                    ParseError::internal(format!("corrupt schema document for {name}"))
                })?;
            classes.insert(name.to_string(), ClassSchema::from_document(name, &doc)?);
        }
        Ok(Registry { classes })
    }

    pub fn get(&self, class: &str) -> Option<&ClassSchema> {
        self.classes.get(class)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_schema_document_round_trips() {
        let mut s = ClassSchema::new("Product");
        s.fields.insert("title".into(), FieldType::String);
        s.fields
            .insert("owner".into(), FieldType::Pointer("Artisan".into()));
        let back = ClassSchema::from_document("Product", &s.to_document()).unwrap();
        assert_eq!(back, s);
    }

    #[test]
    fn field_names_must_be_identifiers() {
        assert!(validate_field_name("price").is_ok());
        assert!(validate_field_name("unit_price2").is_ok());
        for bad in ["", "a b", "$x", "1a", "_hidden", "a.b", "a\"b"] {
            assert_eq!(
                validate_field_name(bad).unwrap_err().code,
                Code::InvalidKeyName,
                "{bad}"
            );
        }
    }

    #[test]
    fn only_known_system_classes_may_start_with_an_underscore() {
        assert!(validate_class_name("_User").is_ok());
        assert!(validate_class_name("_Secret").is_err());
        assert!(validate_class_name("Order").is_ok());
        assert!(validate_class_name("Drop Table").is_err());
    }

    #[test]
    fn a_pointer_needs_a_valid_target_class() {
        assert!(FieldType::from_json(&json!({"type":"Pointer"})).is_err());
        assert!(FieldType::from_json(&json!({"type":"Pointer","targetClass":"x;"})).is_err());
        assert_eq!(
            FieldType::from_json(&json!({"type":"Pointer","targetClass":"_User"})).unwrap(),
            FieldType::Pointer("_User".into())
        );
    }
}
