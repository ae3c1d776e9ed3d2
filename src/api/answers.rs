//! How REST answers a write, as Parse does: 201 with `Location` and the new object's id for a
//! create, the changed fields for an update, `{}` for a delete.

use super::http::HttpResponse;
use crate::engine::write::Outcome;
use serde_json::{json, Map, Value};

/// The answer to a write on `class`; `base_url` is the public URL of the mount path.
pub fn write_answer(outcome: &Outcome, class: &str, base_url: &str) -> HttpResponse {
    match outcome {
        Outcome::Created {
            object_id,
            created_at,
            server_fields,
        } => {
            let mut answer = server_fields.clone();
            answer.insert("objectId".into(), json!(object_id));
            answer.insert("createdAt".into(), json!(created_at));
            created(answer, &format!("{base_url}/classes/{class}/{object_id}"))
        }
        Outcome::Updated(answer) => HttpResponse::ok(&Value::Object(answer.clone())),
        Outcome::Deleted => HttpResponse::ok(&Value::Object(Map::new())),
    }
}

/// 201 with the new object's `Location`.
pub fn created(answer: Map<String, Value>, location: &str) -> HttpResponse {
    HttpResponse::json(201, &Value::Object(answer)).with_header("location", location)
}
