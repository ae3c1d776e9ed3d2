//! Parse-style errors: `{code, error}` with the HTTP status Parse Server gives them.
//!
//! Every failure a client can cause is one of these; internal failures are code 1 and answer 500.
//! Nothing on a request path panics: the SDK retries 5xx, which would duplicate writes, so a client
//! mistake must never look like a server fault.

use serde_json::{json, Value};
use std::fmt;

/// Parse's numeric error codes used by this backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    Internal = 1,
    ConnectionFailed = 100,
    ObjectNotFound = 101,
    InvalidQuery = 102,
    InvalidClassName = 103,
    MissingObjectId = 104,
    InvalidKeyName = 105,
    InvalidPointer = 106,
    InvalidJson = 107,
    CommandUnavailable = 108,
    IncorrectType = 111,
    InvalidChannelName = 112,
    OperationForbidden = 119,
    ObjectTooLarge = 116,
    InvalidNestedKey = 121,
    InvalidFileName = 122,
    FileTooLarge = 129,
    FileSaveError = 130,
    UnsavedFile = 151,
    FileDeleteError = 153,
    ChangedImmutableField = 136,
    DuplicateValue = 137,
    InvalidRoleName = 139,
    ScriptFailed = 141,
    InvalidEmailAddress = 125,
    ValidationError = 142,
    RequestLimitExceeded = 155,
    DuplicateRequest = 159,
    UsernameMissing = 200,
    PasswordMissing = 201,
    UsernameTaken = 202,
    EmailTaken = 203,
    EmailMissing = 204,
    EmailNotFound = 205,
    SessionMissing = 206,
    MustCreateUserThroughSignup = 207,
    InvalidSessionToken = 209,
    ClassNotEmpty = 255,
    /// Not a Parse code: Parse Server answers a missing app id or master key with a bare
    /// `403 {"error": ...}`, and so do we.
    Unauthorized = -403,
}

impl Code {
    /// The code for a number, as it comes back from another isolate; unknown numbers are internal.
    pub fn from_i32(n: i32) -> Code {
        const ALL: [Code; 42] = [
            Code::Internal,
            Code::ConnectionFailed,
            Code::ObjectNotFound,
            Code::InvalidQuery,
            Code::InvalidClassName,
            Code::MissingObjectId,
            Code::InvalidKeyName,
            Code::InvalidPointer,
            Code::InvalidJson,
            Code::CommandUnavailable,
            Code::IncorrectType,
            Code::InvalidChannelName,
            Code::OperationForbidden,
            Code::ObjectTooLarge,
            Code::InvalidNestedKey,
            Code::InvalidFileName,
            Code::FileTooLarge,
            Code::FileSaveError,
            Code::UnsavedFile,
            Code::FileDeleteError,
            Code::InvalidEmailAddress,
            Code::ChangedImmutableField,
            Code::DuplicateValue,
            Code::InvalidRoleName,
            Code::ScriptFailed,
            Code::ValidationError,
            Code::RequestLimitExceeded,
            Code::DuplicateRequest,
            Code::UsernameMissing,
            Code::PasswordMissing,
            Code::UsernameTaken,
            Code::EmailTaken,
            Code::EmailMissing,
            Code::EmailNotFound,
            Code::SessionMissing,
            Code::MustCreateUserThroughSignup,
            Code::InvalidSessionToken,
            Code::ClassNotEmpty,
            Code::Unauthorized,
            Code::Internal,
            Code::Internal,
            Code::Internal,
        ];
        ALL.into_iter()
            .find(|c| *c as i32 == n)
            .unwrap_or(Code::Internal)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub code: Code,
    pub message: String,
    /// For a refused request (155): seconds until the client may try again, sent as
    /// `Retry-After`.
    pub retry_after_secs: Option<i64>,
}

pub type Result<T, E = ParseError> = std::result::Result<T, E>;

impl ParseError {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        ParseError {
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    /// A request refused by an abuse limit: 429, code 155, and `Retry-After` (whole seconds,
    /// rounded up, at least one) from `retry_after_ms`.
    pub fn limit_exceeded(message: impl Into<String>, retry_after_ms: i64) -> Self {
        ParseError {
            retry_after_secs: Some(((retry_after_ms.max(1) + 999) / 1000).max(1)),
            ..Self::new(Code::RequestLimitExceeded, message)
        }
    }

    pub fn not_found() -> Self {
        Self::new(Code::ObjectNotFound, "Object not found.")
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(Code::Internal, message)
    }

    pub fn invalid_query(message: impl Into<String>) -> Self {
        Self::new(Code::InvalidQuery, message)
    }

    pub fn invalid_json() -> Self {
        Self::new(Code::InvalidJson, "Invalid JSON")
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(Code::OperationForbidden, message)
    }

    pub fn invalid_key(name: &str) -> Self {
        Self::new(Code::InvalidKeyName, format!("Invalid field name: {name}."))
    }

    /// A malformed field operation or body part: Parse answers these with "invalid JSON" (107).
    pub fn invalid_json_field(message: &str) -> Self {
        Self::new(Code::InvalidJson, message)
    }

    pub fn incorrect_type(message: impl Into<String>) -> Self {
        Self::new(Code::IncorrectType, message)
    }

    /// The HTTP status Parse Server answers with: 404 for "not found", 500 for internal faults,
    /// 429 when a limit is hit, 400 for every other client error.
    pub fn status(&self) -> u16 {
        match self.code {
            Code::ObjectNotFound => 404,
            Code::Internal => 500,
            Code::RequestLimitExceeded => 429,
            Code::ObjectTooLarge | Code::FileTooLarge => 413,
            Code::Unauthorized => 403,
            _ => 400,
        }
    }

    /// What a client is told: the message, but for an internal fault, whose message may carry
    /// a driver's or the runtime's words (it is for the log), a fixed sentence.
    pub fn public_message(&self) -> &str {
        if self.code == Code::Internal {
            "Internal server error."
        } else {
            &self.message
        }
    }

    pub fn to_json(&self) -> Value {
        if self.code == Code::Unauthorized {
            return json!({ "error": self.message });
        }
        json!({ "code": self.code as i32, "error": self.public_message() })
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code as i32)
    }
}

impl std::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_found_answers_404_and_client_errors_400() {
        assert_eq!(ParseError::not_found().status(), 404);
        assert_eq!(ParseError::invalid_json().status(), 400);
        assert_eq!(ParseError::internal("x").status(), 500);
    }

    #[test]
    fn codes_survive_a_round_trip_through_their_numbers() {
        for code in [
            Code::ObjectNotFound,
            Code::ValidationError,
            Code::DuplicateRequest,
            Code::Unauthorized,
        ] {
            assert_eq!(Code::from_i32(code as i32), code);
        }
        assert_eq!(Code::from_i32(12345), Code::Internal);
    }

    #[test]
    fn a_refused_request_is_429_code_155_with_whole_seconds_to_wait() {
        let e = ParseError::limit_exceeded("Too many checkouts", 1_001);
        assert_eq!(e.status(), 429);
        assert_eq!(e.retry_after_secs, Some(2));
        assert_eq!(
            e.to_json(),
            json!({"code": 155, "error": "Too many checkouts"})
        );
        assert_eq!(ParseError::limit_exceeded("x", 0).retry_after_secs, Some(1));
    }

    #[test]
    fn the_wire_form_is_code_and_error() {
        assert_eq!(
            ParseError::invalid_key("a b").to_json(),
            json!({"code": 105, "error": "Invalid field name: a b."})
        );
    }
}
