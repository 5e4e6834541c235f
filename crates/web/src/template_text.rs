//! Checks over the templates and sources: no user-visible text outside the locale files,
//! and every message key they use exists in English (and so, by the completeness test,
//! in Russian and Turkmen).

use std::collections::BTreeSet;
use std::path::Path;

fn files(dir: &Path, ext: &str, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

fn english_keys() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../locales/en");
    let mut keys = BTreeSet::new();
    let mut ftl = Vec::new();
    files(&dir, "ftl", &mut ftl);
    for f in ftl {
        for line in std::fs::read_to_string(f).unwrap().lines() {
            if let Some((k, _)) = line.split_once('=')
                && !line.starts_with([' ', '#', '.', '*', '['])
            {
                keys.insert(k.trim().to_string());
            }
        }
    }
    keys
}

/// Removes `{{ … }}`, `{% … %}` and `{# … #}` blocks.
fn strip_template_code(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let close = match tail.get(..2) {
            Some("{{") => "}}",
            Some("{%") => "%}",
            Some("{#") => "#}",
            _ => {
                out.push('{');
                rest = &tail[1..];
                continue;
            }
        };
        match tail.find(close) {
            Some(j) => {
                out.push(' ');
                rest = &tail[j + 2..];
            }
            None => break,
        }
    }
    out.push_str(rest);
    out
}

/// Visible text of HTML: text between tags, plus attributes people read or hear.
fn visible_text(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        found.push(rest[..lt].to_string());
        let Some(gt) = rest[lt..].find('>') else {
            break;
        };
        let tag = &rest[lt..lt + gt];
        for attr in [
            "placeholder=\"",
            "title=\"",
            "alt=\"",
            "aria-label=\"",
            "label=\"",
        ] {
            if let Some(a) = tag.find(attr) {
                let v = &tag[a + attr.len()..];
                found.push(v[..v.find('"').unwrap_or(v.len())].to_string());
            }
        }
        // The text of a submit button given as value="…" is visible too.
        if tag.contains("type=\"submit\"")
            && let Some(a) = tag.find("value=\"")
        {
            let v = &tag[a + 7..];
            found.push(v[..v.find('"').unwrap_or(v.len())].to_string());
        }
        rest = &rest[lt + gt + 1..];
    }
    found.push(rest.to_string());
    found
        .into_iter()
        .map(|t| {
            t.replace("&nbsp;", " ")
                .replace("&mdash;", "")
                .replace("&rsaquo;", "")
        })
        .filter(|t| t.chars().any(char::is_alphabetic))
        .map(|t| t.trim().to_string())
        .collect()
}

#[test]
fn templates_have_no_literal_text() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut templates = Vec::new();
    files(&dir, "html", &mut templates);
    assert!(!templates.is_empty());
    let mut problems = Vec::new();
    for t in templates {
        let src = std::fs::read_to_string(&t).unwrap();
        for text in visible_text(&strip_template_code(&src)) {
            problems.push(format!(
                "{}: {text:?}",
                t.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "literal text in templates:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_checker_catches_literal_text() {
    let bad = r#"<p>Hello</p><input placeholder="Name"><button type="submit" value="Go">{{ t.get("x") }}</button>"#;
    let found = visible_text(&strip_template_code(bad));
    assert_eq!(found, vec!["Hello", "Name", "Go"]);
    let good = r#"<p>{{ page.t.get("a") }}</p><input placeholder="{{ page.t.get("b") }}">{% if x %}—{% endif %}"#;
    assert!(visible_text(&strip_template_code(good)).is_empty());
}

#[test]
fn every_literal_message_key_exists() {
    let keys = english_keys();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    files(&root.join("templates"), "html", &mut sources);
    files(&root.join("src"), "rs", &mut sources);
    let mut missing = BTreeSet::new();
    // This file's own examples, and the translator's documentation, are not uses.
    sources.retain(|f| !f.ends_with("template_text.rs") && !f.ends_with("i18n.rs"));
    for f in sources {
        let src = std::fs::read_to_string(&f).unwrap();
        for pat in [
            "t.get(\"",
            "t.with(\"",
            "t.count(\"",
            "page.get(\"",
            "redirect_with_flash(&state, \"",
        ] {
            let mut rest = src.as_str();
            while let Some(i) = rest.find(pat) {
                let after = &rest[i + pat.len()..];
                let end = after.find('"').unwrap_or(0);
                let key = &after[..end];
                // Flash redirects name the path first, the key second.
                let key = if pat.starts_with("redirect") {
                    after[end + 1..].split('"').nth(1).unwrap_or("")
                } else {
                    key
                };
                if !key.is_empty() && !key.contains('{') && !keys.contains(key) {
                    missing.insert(format!(
                        "{}: {key}",
                        f.file_name().unwrap().to_string_lossy()
                    ));
                }
                rest = &after[end..];
            }
        }
    }
    assert!(
        missing.is_empty(),
        "message keys used but not in locales/en:\n{}",
        missing.into_iter().collect::<Vec<_>>().join("\n")
    );
}
