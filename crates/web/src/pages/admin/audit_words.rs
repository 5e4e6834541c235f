//! The audit log in the reader's words: the kinds of record, the action on that kind, and the
//! stored details (`supervisor_decision=lift_restricted`, `route=…; outside scope`) as
//! translated text. The stored entry stays as written; the CSV export keeps it raw.

use crate::i18n::Tr;
use fluent_templates::fluent_bundle::FluentValue;

/// `t.get(key)` when the key exists, `None` otherwise.
fn known(t: Tr, key: &str) -> Option<String> {
    t.has(key).then(|| t.get(key))
}

/// The kind of record an entry is about (`case` → "Case").
pub fn object_label(t: Tr, object_type: &str) -> String {
    known(t, &format!("audit-object-{object_type}")).unwrap_or_else(|| object_type.to_string())
}

/// The action, said for its kind of record where that differs ("disable" of an organisation
/// is its deactivation, not an account's).
pub fn action_label(t: Tr, action: &str, object_type: Option<&str>) -> String {
    object_type
        .and_then(|o| known(t, &format!("audit-action-{action}-{o}")))
        .or_else(|| known(t, &format!("audit-action-{action}")))
        .unwrap_or_else(|| action.to_string())
}

/// The stored detail as text: each `key=value` becomes "Label: value" with codes named in
/// the reader's language, known phrases are translated, and anything else is kept as
/// written (counts, ids, list codes).
pub fn detail_text(t: Tr, detail: &str) -> String {
    detail
        .split("; ")
        .filter(|part| !part.trim().is_empty())
        .map(|part| part_text(t, part.trim()))
        .collect::<Vec<_>>()
        .join("; ")
}

fn part_text(t: Tr, part: &str) -> String {
    if let Some(route) = part.strip_prefix("route=") {
        return format!("{}: {route}", t.get("audit-detail-route"));
    }
    if let Some(phrase) = phrase_key(part) {
        return t.get(phrase);
    }
    if let Some(id) = part
        .strip_prefix("record ")
        .and_then(|p| p.strip_suffix(" not in this case"))
    {
        return t.with(
            "audit-detail-record-elsewhere",
            &[("id", FluentValue::from(id.to_string()))],
        );
    }
    part.split_whitespace()
        .map(|token| token_text(t, token))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The detail phrases written with spaces, and their message keys.
fn phrase_key(part: &str) -> Option<&'static str> {
    Some(match part {
        "outside scope" => "audit-detail-outside-scope",
        "no such case" => "audit-detail-no-such-case",
        "not a case code" => "audit-detail-not-a-case-code",
        "not a record id" => "audit-detail-not-a-record-id",
        "household hidden" => "audit-detail-household-hidden",
        _ => return None,
    })
}

/// One `key=value` or bare word.
fn token_text(t: Tr, token: &str) -> String {
    let Some((key, value)) = token.split_once('=') else {
        return known(t, &format!("audit-detail-{token}")).unwrap_or_else(|| token.to_string());
    };
    let Some(label) = known(t, &format!("audit-detail-{key}")) else {
        return token.to_string();
    };
    let values = value
        .split(',')
        .map(|v| value_text(t, key, v))
        .collect::<Vec<_>>()
        .join(", ");
    format!("{label}: {values}")
}

/// A value of `key`, named by the list its codes come from.
fn value_text(t: Tr, key: &str, value: &str) -> String {
    let list = match key {
        "supervisor_decision" => "audit-detail-decision",
        "roles" => "role",
        "type" => "case-type",
        "status" => "case-status",
        "sex" => "sex",
        "risk" => "risk",
        "filters" if value != "none" => {
            let name = match value {
                "organisation" => "org",
                other => other,
            };
            let key = format!("audit-filter-{}", name.replace('_', "-"));
            return known(t, &key).unwrap_or_else(|| value.to_string());
        }
        "filters" | "second_factor" | "recovery_codes" => "audit-detail-value",
        "refused" => "error",
        "second_factor_required" => {
            return t.get(if value == "true" { "yes" } else { "no" });
        }
        _ => return value.to_string(),
    };
    known(t, &format!("{list}-{value}")).unwrap_or_else(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn stored_details_read_as_sentences() {
        let t = Tr(Lang::En);
        assert_eq!(
            detail_text(t, "supervisor_decision=lift_restricted,reassign"),
            "Supervisor decision: lifted “restricted”, reassigned the case"
        );
        assert_eq!(
            detail_text(t, "route=GET /cases/{code}; outside scope"),
            "Route: GET /cases/{code}; the case is outside the reader's scope"
        );
        assert_eq!(
            detail_text(t, "route=GET /admin/audit; filters=none"),
            "Route: GET /admin/audit; Filters: none"
        );
        assert_eq!(
            detail_text(t, "rows=2; filters=object_type,user"),
            "Rows: 2; Filters: Object type, User (e-mail)"
        );
        assert_eq!(
            detail_text(t, "roles=admin,viewer second_factor_required=true"),
            "Roles: System administrator, Viewer, Second factor required: Yes"
        );
        assert_eq!(
            detail_text(t, "status=closed sex=female age"),
            "Status: Closed, Sex: Female, Age band"
        );
        // Whatever is not known is kept as written.
        assert_eq!(
            detail_text(t, "trafficking/forced_labour"),
            "trafficking/forced_labour"
        );
        assert_eq!(
            action_label(t, "disable", Some("organisation")),
            "Organisation deactivated"
        );
        assert_eq!(action_label(t, "disable", Some("user")), "Account disabled");
        assert_eq!(object_label(t, "audit_log"), "Audit log");
        for lang in [Lang::Ru, Lang::Tk] {
            let t = Tr(lang);
            let said = detail_text(t, "supervisor_decision=lift_restricted; route=GET /x");
            assert!(!said.contains("supervisor_decision"), "{said}");
            assert!(!said.contains("lift_restricted"), "{said}");
        }
    }
}
