//! Administration of the reference lists (service types, closure reasons, …): adding items,
//! editing their labels and order under version control, retiring and restoring them.
//! Codes never change and items are never deleted.

use crate::AppState;
use crate::auth::Auth;
use crate::error::AppError;
use crate::forms::FieldErrors;
use crate::i18n::Tr;
use crate::routes::{Access, Endpoint, ep};
use crate::shell::{PageCtx, redirect_with_flash};
use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use yoldash_domain::reference::{ItemCode, Labels, parse_sort_order};
use yoldash_domain::{Invalid, Permission, Version};
use yoldash_store::StoreError;
use yoldash_store::reference_lists::{
    NewReferenceItem, ReferenceItem, ReferenceItemChange, ReferenceList, catalogue,
};

pub fn endpoints() -> Vec<Endpoint> {
    let manage = Access::Signed(Permission::ReferenceManage);
    vec![
        ep(Method::GET, "/admin/lists", manage, get(index)),
        ep(Method::GET, "/admin/lists/{list}", manage, get(show_list)),
        ep(Method::POST, "/admin/lists/{list}", manage, post(add_item)),
        ep(
            Method::GET,
            "/admin/lists/{list}/{code}",
            manage,
            get(edit_form),
        ),
        ep(
            Method::POST,
            "/admin/lists/{list}/{code}",
            manage,
            post(edit_submit),
        ),
        ep(
            Method::POST,
            "/admin/lists/{list}/{code}/retire",
            manage,
            post(retire),
        ),
        ep(
            Method::POST,
            "/admin/lists/{list}/{code}/restore",
            manage,
            post(restore),
        ),
    ]
}

fn known_list(code: &str) -> Result<&'static ReferenceList, AppError> {
    yoldash_store::reference_lists::list(code).ok_or(AppError::NotFound)
}

fn list_path(list: &ReferenceList) -> String {
    format!("/admin/lists/{}", list.code)
}

/// One list on the index page.
struct ListLine {
    code: String,
    name: String,
    active: i64,
    retired: i64,
}

#[derive(Template)]
#[template(path = "lists_index.html")]
struct IndexPage {
    page: PageCtx,
    lists: Vec<ListLine>,
}

pub async fn index(State(state): State<AppState>, page: PageCtx) -> Result<Response, AppError> {
    let counts = state.store.reference_item_counts().await?;
    let lists = catalogue()
        .iter()
        .map(|l| {
            let c = counts.get(l.code.as_str()).copied().unwrap_or_default();
            ListLine {
                code: l.code.to_string(),
                name: l.name_in(page.t.lang()).to_string(),
                active: c.active,
                retired: c.retired,
            }
        })
        .collect();
    let page = page.crumbs(&[("nav-lists", "/admin/lists")]);
    Ok(Html(IndexPage { page, lists }.render()?).into_response())
}

/// The item fields of the add and edit forms, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ItemForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    label_en: String,
    #[serde(default)]
    label_ru: String,
    #[serde(default)]
    label_tk: String,
    #[serde(default)]
    sort_order: String,
    #[serde(default)]
    version: String,
}

impl ItemForm {
    fn of(item: &ReferenceItem) -> Self {
        let label = |lang| item.labels.exact(lang).unwrap_or_default().to_string();
        ItemForm {
            code: item.code.clone(),
            label_en: label("en"),
            label_ru: label("ru"),
            label_tk: label("tk"),
            sort_order: item.sort_order.to_string(),
            version: item.version.0.to_string(),
        }
    }

    /// The labels and sort order, or every field problem.
    fn change(&self, t: Tr, errors: &mut FieldErrors) -> Option<ReferenceItemChange> {
        let labels = Labels::parse(&[
            ("en", &self.label_en),
            ("ru", &self.label_ru),
            ("tk", &self.label_tk),
        ]);
        let sort_order = parse_sort_order(&self.sort_order);
        if let Err(problems) = &labels {
            for p in problems {
                errors.add(t, p.field, p.key);
            }
        }
        if let Err(p) = &sort_order {
            errors.add(t, p.field, p.key);
        }
        Some(ReferenceItemChange {
            labels: labels.ok()?,
            sort_order: sort_order.ok()?,
        })
    }
}

/// One item on a list's page.
struct ItemLine {
    code: String,
    label_en: String,
    label_ru: String,
    label_tk: String,
    sort_order: i64,
    retired: bool,
    used: bool,
}

#[derive(Template)]
#[template(path = "lists_items.html")]
struct ListPage {
    page: PageCtx,
    list_code: String,
    list_name: String,
    items: Vec<ItemLine>,
    form: ItemForm,
    errors: FieldErrors,
}

async fn list_page(
    state: &AppState,
    page: PageCtx,
    list: &ReferenceList,
    form: Option<ItemForm>,
    errors: FieldErrors,
) -> Result<ListPage, AppError> {
    let items = state
        .store
        .reference_items(list.code.as_str(), true)
        .await?;
    let form = match form {
        Some(f) => f,
        None => ItemForm {
            sort_order: state
                .store
                .next_sort_order(list.code.as_str())
                .await?
                .to_string(),
            ..ItemForm::default()
        },
    };
    let list_name = list.name_in(page.t.lang()).to_string();
    let path = list_path(list);
    Ok(ListPage {
        list_code: list.code.to_string(),
        items: items
            .iter()
            .map(|i| ItemLine {
                code: i.code.clone(),
                label_en: i.labels.exact("en").unwrap_or_default().to_string(),
                label_ru: i.labels.exact("ru").unwrap_or_default().to_string(),
                label_tk: i.labels.exact("tk").unwrap_or_default().to_string(),
                sort_order: i.sort_order,
                retired: i.is_retired(),
                used: i.is_used(),
            })
            .collect(),
        form,
        errors,
        page: page.crumbs(&[("nav-lists", "/admin/lists"), (&list_name, &path)]),
        list_name,
    })
}

pub async fn show_list(
    State(state): State<AppState>,
    page: PageCtx,
    Path(list): Path<String>,
) -> Result<Response, AppError> {
    let list = known_list(&list)?;
    let view = list_page(&state, page, list, None, FieldErrors::new()).await?;
    Ok(Html(view.render()?).into_response())
}

/// Adds an item; on a problem the list page comes back with the messages next to the
/// fields and what was typed.
#[tracing::instrument(skip_all)]
pub async fn add_item(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    Path(list): Path<String>,
    Form(form): Form<ItemForm>,
) -> Result<Response, AppError> {
    let list = known_list(&list)?;
    let t = page.t;
    let mut errors = FieldErrors::new();
    let code = ItemCode::parse(&form.code)
        .map_err(|p: Invalid| errors.add(t, p.field, p.key))
        .ok();
    let change = form.change(t, &mut errors);
    if let (Some(code), Some(change)) = (code, change) {
        let mut unit = state.store.unit().await?;
        let created = state
            .store
            .create_reference_item(
                &mut unit,
                Some(&auth.actor),
                list.code.as_str(),
                &NewReferenceItem {
                    code,
                    labels: change.labels,
                    sort_order: change.sort_order,
                },
            )
            .await;
        match created {
            Ok(_) => {
                unit.commit().await?;
                return Ok(redirect_with_flash(
                    &state,
                    &list_path(list),
                    "flash-lists-item-added",
                    true,
                ));
            }
            Err(StoreError::Duplicate { .. }) => errors.add(t, "code", "lists-code-taken"),
            Err(e) => return Err(e.into()),
        }
    }
    let view = list_page(&state, page, list, Some(form), errors).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(view.render()?)).into_response())
}

/// An item's values as stored, shown beside the form after a conflict.
struct Current {
    label_en: String,
    label_ru: String,
    label_tk: String,
    sort_order: i64,
}

#[derive(Template)]
#[template(path = "lists_item.html")]
struct ItemPage {
    page: PageCtx,
    list_code: String,
    list_name: String,
    code: String,
    retired: bool,
    used: bool,
    form: ItemForm,
    errors: FieldErrors,
    /// A form-wide message (a conflict, a missing version).
    alert: Option<String>,
    /// After a conflict: what is stored now.
    current: Option<Current>,
}

fn item_page(
    page: PageCtx,
    list: &ReferenceList,
    item: &ReferenceItem,
    form: ItemForm,
    errors: FieldErrors,
) -> ItemPage {
    let list_name = list.name_in(page.t.lang()).to_string();
    let path = list_path(list);
    let item_path = format!("{path}/{}", item.code);
    let item_label = item.label(page.t.lang()).to_string();
    ItemPage {
        page: page.crumbs(&[
            ("nav-lists", "/admin/lists"),
            (&list_name, &path),
            (&item_label, &item_path),
        ]),
        list_code: list.code.to_string(),
        list_name,
        code: item.code.clone(),
        retired: item.is_retired(),
        used: item.is_used(),
        form,
        errors,
        alert: None,
        current: None,
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: PageCtx,
    Path((list, code)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let list = known_list(&list)?;
    let item = state
        .store
        .reference_item(list.code.as_str(), &code)
        .await?;
    let form = ItemForm::of(&item);
    let view = item_page(page, list, &item, form, FieldErrors::new());
    Ok(Html(view.render()?).into_response())
}

/// Saves labels and sort order if the item is still at the version the editor saw. A
/// stale version shows the form again with what was typed, what is stored now, and the
/// current version, so that saving again is a deliberate choice.
#[tracing::instrument(skip_all)]
pub async fn edit_submit(
    State(state): State<AppState>,
    auth: Auth,
    page: PageCtx,
    Path((list, code)): Path<(String, String)>,
    Form(form): Form<ItemForm>,
) -> Result<Response, AppError> {
    let list = known_list(&list)?;
    let item = state
        .store
        .reference_item(list.code.as_str(), &code)
        .await?;
    let t = page.t;
    let mut errors = FieldErrors::new();
    let change = form.change(t, &mut errors);
    let version = form.version.trim().parse::<i64>().ok().filter(|v| *v > 0);
    let (Some(change), Some(version)) = (change, version) else {
        let mut view = item_page(page, list, &item, form, errors);
        if version.is_none() {
            view.alert = Some(crate::render::field_message(t, "invalid-version"));
        }
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(view.render()?)).into_response());
    };
    let mut unit = state.store.unit().await?;
    let saved = state
        .store
        .update_reference_item(
            &mut unit,
            Some(&auth.actor),
            list.code.as_str(),
            &item.code,
            &change,
            Version(version),
        )
        .await;
    match saved {
        Ok(_) => {
            unit.commit().await?;
            Ok(redirect_with_flash(
                &state,
                &list_path(list),
                "flash-lists-item-saved",
                true,
            ))
        }
        Err(StoreError::Conflict { .. }) => {
            drop(unit);
            let now = state
                .store
                .reference_item(list.code.as_str(), &item.code)
                .await?;
            let mut form = form;
            form.version = now.version.0.to_string();
            let mut view = item_page(page, list, &now, form, errors);
            view.alert = Some(t.get("error-conflict"));
            view.current = Some(Current {
                label_en: now.labels.exact("en").unwrap_or_default().to_string(),
                label_ru: now.labels.exact("ru").unwrap_or_default().to_string(),
                label_tk: now.labels.exact("tk").unwrap_or_default().to_string(),
                sort_order: now.sort_order,
            });
            Ok((StatusCode::CONFLICT, Html(view.render()?)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn set_retired(
    state: &AppState,
    auth: &Auth,
    list: &str,
    code: &str,
    retired: bool,
) -> Result<Response, AppError> {
    let list = known_list(list)?;
    let mut unit = state.store.unit().await?;
    state
        .store
        .set_reference_item_retired(
            &mut unit,
            Some(&auth.actor),
            list.code.as_str(),
            code,
            retired,
        )
        .await?;
    unit.commit().await?;
    let key = if retired {
        "flash-lists-item-retired"
    } else {
        "flash-lists-item-restored"
    };
    Ok(redirect_with_flash(state, &list_path(list), key, true))
}

pub async fn retire(
    State(state): State<AppState>,
    auth: Auth,
    Path((list, code)): Path<(String, String)>,
) -> Result<Response, AppError> {
    set_retired(&state, &auth, &list, &code, true).await
}

pub async fn restore(
    State(state): State<AppState>,
    auth: Auth,
    Path((list, code)): Path<(String, String)>,
) -> Result<Response, AppError> {
    set_retired(&state, &auth, &list, &code, false).await
}
