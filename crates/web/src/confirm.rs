//! The confirmation step before a one-button change that removes, withdraws or shuts out
//! (a household member, a consent, an account, an organisation): the button posts without
//! `confirm`, and the answer is this page, which names the record and what follows; its own
//! button posts again with `confirm=1`. Shared by every capability's pages.

use crate::shell::PageCtx;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// A date the confirmation asks for (the day a consent was withdrawn).
pub struct DateField {
    pub name: &'static str,
    pub label: String,
    pub value: String,
    pub error: String,
}

#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage {
    pub page: PageCtx,
    pub title: String,
    /// What is about to happen, naming the record.
    pub message: String,
    /// What follows from it.
    pub consequence: String,
    /// Where the confirmed form posts (the same address as the button).
    pub action: String,
    /// The record's version, for the change's conflict check (when it has one).
    pub version: Option<String>,
    /// The other fields of the form that asked, posted again as they were.
    pub carried: Vec<(String, String)>,
    pub date: Option<DateField>,
    pub confirm_label: String,
    pub cancel_href: String,
}

impl ConfirmPage {
    /// The page, 200; 422 when a date it asked for came back wrong.
    pub fn answer(self) -> Result<Response, crate::error::AppError> {
        let status = match self.date.as_ref().is_some_and(|d| !d.error.is_empty()) {
            true => StatusCode::UNPROCESSABLE_ENTITY,
            false => StatusCode::OK,
        };
        Ok((status, Html(self.render()?)).into_response())
    }
}
