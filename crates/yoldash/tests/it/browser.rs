//! Browser tests: a person working through the administration flow in headless chromium,
//! switching languages, with screenshots kept under `target/e2e/`. SQLite only (the
//! storage paths are covered on both backends by the HTTP tests). They need
//! `YOLDASH_TEST_CHROMEDRIVER`; without it they say so and do nothing.

use thirtyfour::prelude::*;
use yoldash_domain::Role;
use yoldash_testkit::browser::{
    Browser, ONE_AT_A_TIME, chromedriver, click, fill, text_of, wait_for_text,
};
use yoldash_testkit::{Backend, TEST_PASSWORD, TestApp, spawn_app};

async fn sign_in(d: &WebDriver, app: &TestApp, email: &str, password: &str) {
    d.goto(app.url("/login")).await.unwrap();
    fill(d, "#email", email).await;
    fill(d, "#password", password).await;
    click(d, "main form button.primary").await;
}

async fn sign_out(d: &WebDriver) {
    click(d, "header form[action='/logout'] button").await;
}

/// Waits for the start of a fresh TOTP time step, so a new code is not a replay.
async fn next_totp_step() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let into = now.as_secs() % 30;
    tokio::time::sleep(std::time::Duration::from_secs(30 - into + 1)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrator_and_new_user_flow_in_three_languages() {
    let Some(driver_bin) = chromedriver() else {
        eprintln!("SKIPPED browser test: YOLDASH_TEST_CHROMEDRIVER is not set");
        return;
    };
    let _one = ONE_AT_A_TIME.lock().await;
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.create_user(app.admin_org.id, &[Role::Admin]).await;
    let browser = Browser::start(&driver_bin).await;
    let d = &browser.driver;

    // The administrator signs in and creates an organisation.
    sign_in(d, &app, &admin.email, TEST_PASSWORD).await;
    wait_for_text(d, "Welcome, Test User.").await;
    browser.screenshot("admin-dashboard-en").await;
    d.goto(app.url("/admin/organisations/new")).await.unwrap();
    fill(d, "#code", "NGO-LEBAP-E2E").await;
    click(d, "#org_type option[value='public_association']").await;
    fill(d, "#name_en", "Lebap support centre").await;
    fill(d, "#name_ru", "Центр поддержки Лебап").await;
    fill(d, "#name_tk", "Lebap goldaw merkezi").await;
    click(d, "#region option[value='TM-L']").await;
    click(d, "main form button.primary").await;
    wait_for_text(d, "The organisation was created.").await;
    browser.screenshot("admin-organisations").await;
    let org = app
        .store
        .organisation_by_code("NGO-LEBAP-E2E")
        .await
        .unwrap();

    // … and an account for a case worker there, with a one-time password.
    d.goto(app.url("/admin/users/new")).await.unwrap();
    fill(d, "#email", "maysa@lebap.example").await;
    fill(d, "#display_name", "Maýsa Berdiýewa").await;
    click(d, &format!("#org option[value='{}']", org.id)).await;
    click(d, "input[name='roles'][value='case_worker']").await;
    click(d, "#language option[value='tk']").await;
    click(d, "main form button.primary").await;
    let password = text_of(d, "#one-time-password").await;
    assert_eq!(password.len(), 19, "{password}");
    browser.screenshot("admin-one-time-password").await;
    sign_out(d).await;
    wait_for_text(d, "You have signed out.").await;

    // The new user signs in, must change the password first — in Turkmen, their language.
    sign_in(d, &app, "maysa@lebap.example", &password).await;
    wait_for_text(d, "Administrator açar sözüňizi täzeledi").await;
    fill(d, "#current", &password).await;
    fill(d, "#new", "Lebapda ýaz ýagyşy").await;
    fill(d, "#confirm", "Lebapda ýaz ýagyşy").await;
    click(d, "main form button.primary").await;
    wait_for_text(d, "Açar sözüňiz üýtgedildi").await;

    // … sets up the second factor with the authenticator app …
    let user = app
        .store
        .user_by_email("maysa@lebap.example")
        .await
        .unwrap();
    d.goto(app.url("/account/security/enrol")).await.unwrap();
    let shown_key = text_of(d, "#totp-secret").await;
    let secret = app
        .store
        .totp_secret(user.id)
        .await
        .unwrap()
        .expect("pending secret");
    assert_eq!(shown_key, yoldash_web::totp::secret_base32(&secret));
    browser.screenshot("enrol-second-factor-tk").await;
    let code = yoldash_web::totp::current_code(&secret, &user.email).unwrap();
    fill(d, "#code", &code).await;
    click(d, "main form button.primary").await;
    let codes = text_of(d, "#recovery-codes").await;
    assert_eq!(codes.lines().count(), 10, "{codes}");
    sign_out(d).await;

    // … and signs in with it.
    next_totp_step().await;
    sign_in(d, &app, "maysa@lebap.example", "Lebapda ýaz ýagyşy").await;
    wait_for_text(d, "Ikinji faktor").await;
    let code = yoldash_web::totp::current_code(&secret, &user.email).unwrap();
    fill(d, "#code", &code).await;
    click(d, "main form button.primary").await;
    wait_for_text(d, "Hoş geldiňiz, Maýsa Berdiýewa.").await;
    assert!(d.title().await.unwrap().contains("Baş sahypa"));
    browser.screenshot("dashboard-tk").await;

    // Switching to Russian and English.
    click(d, "header button[lang='ru']").await;
    wait_for_text(d, "Добро пожаловать, Maýsa Berdiýewa.").await;
    assert!(d.title().await.unwrap().contains("Главная"));
    browser.screenshot("dashboard-ru").await;
    click(d, "header button[lang='en']").await;
    wait_for_text(d, "Welcome, Maýsa Berdiýewa.").await;
    browser.screenshot("dashboard-en").await;

    // At phone width.
    d.set_window_rect(0, 0, 360, 800).await.unwrap();
    click(d, "header button[lang='tk']").await;
    wait_for_text(d, "Hoş geldiňiz").await;
    browser.screenshot("dashboard-phone-tk").await;
    d.goto(app.url("/account/security")).await.unwrap();
    wait_for_text(d, "10 ätiýaçlyk kod galdy.").await;
    browser.screenshot("security-phone-tk").await;

    sign_out(d).await;
    wait_for_text(d, "Siz ulgamdan çykdyňyz.").await;
    browser.quit().await;
}
