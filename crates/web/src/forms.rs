//! Form handling for pages: field errors shown next to their field, in the user's language,
//! while the form keeps what was typed.

use crate::error::AppError;
use crate::i18n::Tr;
use crate::render::field_message;
use std::collections::BTreeMap;

/// Field name → translated message. Templates call `errors.get("field")`.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(BTreeMap<String, String>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the message for an error key (`required` → the `field-required` message).
    pub fn add(&mut self, t: Tr, field: &str, key: &str) {
        self.0
            .entry(field.to_string())
            .or_insert_with(|| field_message(t, key));
    }

    /// Adds an already translated message.
    pub fn add_text(&mut self, field: &str, text: String) {
        self.0.entry(field.to_string()).or_insert(text);
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn has(&self, field: &str) -> bool {
        self.0.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Takes over the field errors of a store or domain error; other errors are returned.
    pub fn absorb(&mut self, t: Tr, e: AppError) -> Result<(), AppError> {
        match e {
            AppError::Invalid(fields) => {
                for (f, k) in fields {
                    self.add(t, &f, &k);
                }
                Ok(())
            }
            AppError::Duplicate { field } => {
                self.add_text(&field, t.get("error-duplicate"));
                Ok(())
            }
            other => Err(other),
        }
    }
}
