//! Where a redirect may send the browser: a path on this site, never another site.
//!
//! Every redirect whose target comes from a request (a `next` parameter, a form field, the
//! path of the request itself) goes through [`local_path`].

/// The home page: where an unacceptable target goes instead.
pub const HOME: &str = "/";

/// `target` if it is a path on this site, otherwise the home page.
///
/// Accepted: an absolute path with an optional query — one leading `/`, then printable
/// ASCII only (what a browser sends, percent-encoded). Refused, also after percent-decoding
/// (repeatedly, so `%252F` counts as `/`): a second `/` or a `\` right after the first
/// (a protocol-relative URL, `/\evil.example`), a backslash anywhere (browsers read it as
/// `/`), control characters and whitespace (browsers drop tabs and newlines, so `/\t/x`
/// becomes `//x`; `\r\n` would split the header), and any non-ASCII character that is not a
/// letter or digit (look-alike slashes, bidirectional and zero-width marks).
pub fn local_path(target: Option<&str>) -> &str {
    match target {
        Some(t) if is_local_path(t) => t,
        _ => HOME,
    }
}

fn is_local_path(raw: &str) -> bool {
    if raw.len() > 2048 || !raw.bytes().all(|b| b.is_ascii_graphic()) {
        return false;
    }
    // Decode until nothing changes (double encoding), checking each form.
    let mut form = raw.to_string();
    for _ in 0..4 {
        if !acceptable(&form) {
            return false;
        }
        let decoded = percent_decode(&form);
        if decoded == form {
            return true;
        }
        form = decoded;
    }
    // Still changing after four rounds: nobody needs that.
    false
}

fn acceptable(s: &str) -> bool {
    let mut chars = s.chars();
    if chars.next() != Some('/') {
        return false;
    }
    if matches!(chars.next(), Some('/' | '\\')) {
        return false;
    }
    s.chars().all(|c| {
        if c.is_ascii() {
            c.is_ascii_graphic() && c != '\\'
        } else {
            c.is_alphanumeric()
        }
    })
}

/// Percent-decoding; invalid UTF-8 becomes U+FFFD (which `acceptable` refuses).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_targets_go_home() {
        let hostile = [
            "",
            "evil.example",
            "https://evil.example",
            "http:/evil.example",
            "javascript:alert(1)",
            "//evil.example",
            "///evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/%09/evil.example",
            "/%0d%0aSet-Cookie:x=y",
            "/\r\nSet-Cookie: x=y",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/%5cevil.example",
            "/%252F/evil.example",
            "/%25252F%25252Fevil.example",
            "/%2525252F%2525252Fevil.example",
            "/a\\b",
            "/a%5Cb",
            " /evil",
            "/ evil",
            "/%20/evil.example",
            "/%00",
            "/%7F",
            "/\u{FF0F}evil.example",
            "/%EF%BC%8Fevil.example",
            "/%E2%88%95evil.example",
            "/%E2%80%AEcases",
            "/%E2%80%8B/evil.example",
            "/%C2%A0/evil.example",
            "/%E3%80%80/evil.example",
            "/%FF",
            "/cases\u{0085}",
        ];
        for t in hostile {
            assert_eq!(local_path(Some(t)), HOME, "{t:?} must go home");
        }
        assert_eq!(local_path(None), HOME);
    }

    #[test]
    fn local_paths_are_kept() {
        for t in [
            "/",
            "/cases",
            "/cases/C-7K2M9Q?tab=history",
            "/admin/audit?user=a%40b.tm&action=read",
            "/admin/users/0190a0b2-0000-7000-8000-000000000000/edit",
            "/cases/%C3%A4",
            "/login?notice=logged-out",
        ] {
            assert_eq!(local_path(Some(t)), t);
        }
    }
}
