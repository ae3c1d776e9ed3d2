//! The password policy, checked wherever a password is chosen (sign-up, change, reset): a
//! minimum length (`PASSWORD_MIN_LENGTH`, 8 by default, counted in characters) and not the
//! username itself, whatever its case. Refusals are Parse's: 142 with the reason.

use crate::error::{Code, ParseError, Result};

pub fn check(password: &str, username: Option<&str>, min_length: usize) -> Result<()> {
    if password.chars().count() < min_length {
        return Err(ParseError::new(
            Code::ValidationError,
            format!("Password must be at least {min_length} characters long."),
        ));
    }
    if username
        .is_some_and(|u| !u.is_empty() && u.trim().to_lowercase() == password.trim().to_lowercase())
    {
        return Err(ParseError::new(
            Code::ValidationError,
            "Password cannot be your username.",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_passwords_and_the_username_are_refused_with_142() {
        assert_eq!(
            check("1234567", None, 8).unwrap_err().code,
            Code::ValidationError
        );
        assert!(check("12345678", None, 8).is_ok());
        // Characters, not bytes: eight accented letters are eight.
        assert!(check("éééééééé", None, 8).is_ok());
        let same = check("Ben-Smith-1", Some("ben-smith-1"), 8).unwrap_err();
        assert_eq!(same.message, "Password cannot be your username.");
        assert!(check("ben-smith-1!", Some("ben-smith-1"), 8).is_ok());
    }
}
