//! TOTP codes (RFC 6238: SHA-1, 6 digits, 30-second steps, one step of clock skew) and the
//! enrolment QR code, rendered as SVG on the server.

use totp_rs::{Algorithm, Builder, Secret};

const ISSUER: &str = "Yoldash";

fn totp(secret: &[u8], account: &str) -> Option<totp_rs::Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(Secret::from(secret.to_vec()))
        .with_issuer(Some(ISSUER))
        .with_account_name(account.replace(':', ""))
        .build()
        .ok()
}

/// The time step a code belongs to, if it is valid now (within one step of skew).
pub fn check(secret: &[u8], account: &str, code: &str) -> Option<i64> {
    totp(secret, account)?
        .check_current(code)
        .and_then(|s| i64::try_from(s).ok())
}

/// The current code (tests and the browser tests use it to act as an authenticator app).
pub fn current_code(secret: &[u8], account: &str) -> Option<String> {
    totp(secret, account).map(|t| t.generate_current().to_string())
}

/// The secret in base32, for typing into an authenticator app by hand.
pub fn secret_base32(secret: &[u8]) -> String {
    Secret::from(secret.to_vec()).to_base32()
}

/// The `otpauth://` URL as an SVG QR code.
pub fn qr_svg(secret: &[u8], account: &str) -> Option<String> {
    let url = totp(secret, account)?.to_url().ok()?;
    let code = qrcode::QrCode::new(url.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .quiet_zone(true)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_code_checks_and_a_wrong_one_does_not() {
        let secret = [7u8; 20];
        let code = current_code(&secret, "a@b.tm").unwrap();
        assert!(check(&secret, "a@b.tm", &code).is_some());
        let wrong = if code == "000000" { "111111" } else { "000000" };
        assert!(check(&secret, "a@b.tm", wrong).is_none());
        assert_eq!(secret_base32(&secret).len(), 32);
        let svg = qr_svg(&secret, "a@b.tm").unwrap();
        assert!(svg.contains("<svg") && !svg.contains("<script"));
    }
}
