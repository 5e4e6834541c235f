//! Form fields described in code and drawn by one template (`fields.html`): each with its
//! label, value, choices and error, so every form marks errors the same way and keeps what
//! the user typed. Form bodies are read as ordered pairs, so repeated names (several
//! countries, several forms of exploitation) keep every value.

use crate::error::AppError;
use crate::forms::FieldErrors;
use crate::i18n::Tr;

/// A submitted (or prefilled) form: name/value pairs in order.
#[derive(Debug, Clone, Default)]
pub struct FormData(pub Vec<(String, String)>);

impl FormData {
    pub fn parse(body: &[u8]) -> Self {
        Self(
            form_urlencoded::parse(body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`, trimmed ("" when absent).
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.trim())
    }

    pub fn opt(&self, name: &str) -> Option<&str> {
        Some(self.get(name)).filter(|v| !v.is_empty())
    }

    /// Every non-empty value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect()
    }

    /// A checkbox: present with any value but "0"/"false".
    pub fn flag(&self, name: &str) -> bool {
        let v = self.get(name);
        !v.is_empty() && v != "0" && v != "false"
    }

    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.0.retain(|(k, _)| k != name);
        self.0.push((name.to_string(), value.into()));
    }

    pub fn push(&mut self, name: &str, value: impl Into<String>) {
        self.0.push((name.to_string(), value.into()));
    }

    pub fn set_flag(&mut self, name: &str, on: bool) {
        self.0.retain(|(k, _)| k != name);
        if on {
            self.0.push((name.to_string(), "1".into()));
        }
    }
}

impl<S: Send + Sync> axum::extract::FromRequest<S> for FormData {
    type Rejection = AppError;
    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, AppError> {
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::TooLarge)?;
        Ok(FormData::parse(&bytes))
    }
}

/// One field as the template draws it.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    pub label: String,
    pub hint: String,
    /// `text`, `email`, `tel`, `date`, `number`, `textarea`, `select`, `multi`, `checks`, `checkbox`.
    pub kind: &'static str,
    pub value: String,
    pub values: Vec<String>,
    /// (code, label) for `select`, `multi` and `checks`.
    pub options: Vec<(String, String)>,
    pub error: String,
    pub required: bool,
    /// Personal data: stored encrypted (marked for the user).
    pub personal: bool,
    /// Shown but not changeable by this user (drawn disabled; its value is sent hidden).
    pub locked: bool,
}

impl Field {
    pub fn selected(&self, code: &str) -> bool {
        if self.kind == "select" {
            self.value == code
        } else {
            self.values.iter().any(|v| v == code)
        }
    }

    pub fn checked(&self) -> bool {
        !self.value.is_empty() && self.value != "0" && self.value != "false"
    }

    pub fn has_error(&self) -> bool {
        !self.error.is_empty()
    }
}

/// A group of fields with a legend.
#[derive(Debug, Clone)]
pub struct FieldSet {
    pub legend: String,
    /// A note under the legend about the set as a whole (empty: none).
    pub note: String,
    pub fields: Vec<Field>,
}

/// Builds fields from a form's values and errors, labels from `label-<name>` keys.
pub struct Fields<'a> {
    pub t: Tr,
    pub data: &'a FormData,
    pub errors: &'a FieldErrors,
    /// Prefix of the HTML names (for several forms on one page); labels ignore it.
    pub prefix: &'static str,
}

impl Fields<'_> {
    fn base(&self, name: &str, kind: &'static str) -> Field {
        let full = format!("{}{name}", self.prefix);
        let hint_key = format!("hint-{name}");
        Field {
            label: self.t.get(&format!("label-{name}")),
            hint: if self.t.has(&hint_key) {
                self.t.get(&hint_key)
            } else {
                String::new()
            },
            kind,
            value: self.data.get(&full).to_string(),
            values: self.data.all(&full).iter().map(|s| s.to_string()).collect(),
            options: Vec::new(),
            error: self.errors.get(&full).unwrap_or_default().to_string(),
            required: false,
            personal: false,
            locked: false,
            name: full,
        }
    }

    pub fn input(&self, name: &str, kind: &'static str) -> Field {
        self.base(name, kind)
    }

    pub fn personal(&self, name: &str, kind: &'static str) -> Field {
        Field {
            personal: true,
            ..self.base(name, kind)
        }
    }

    pub fn choice(&self, name: &str, kind: &'static str, options: Vec<(String, String)>) -> Field {
        Field {
            options,
            ..self.base(name, kind)
        }
    }

    pub fn required(mut f: Field) -> Field {
        f.required = true;
        f
    }
}

/// (code, translated label) pairs for a fixed list whose labels are `<list>-<code>`.
pub fn labelled<'a>(
    t: Tr,
    list: &str,
    codes: impl IntoIterator<Item = &'a str>,
) -> Vec<(String, String)> {
    codes
        .into_iter()
        .map(|c| (c.to_string(), t.get(&format!("{list}-{c}"))))
        .collect()
}
