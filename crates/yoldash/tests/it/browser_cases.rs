//! Browser test: a case worker, working in Turkmen, registers a child left behind by
//! migrating parents, records the household, a guardian's consent and the identification,
//! then reads the history — at desktop and phone width, with screenshots kept under
//! `target/e2e/`. SQLite only. It needs `YOLDASH_TEST_CHROMEDRIVER`; without it it says so
//! and does nothing.

use thirtyfour::prelude::*;
use yoldash_domain::Role;
use yoldash_testkit::browser::{
    Browser, ONE_AT_A_TIME, chromedriver, click, fill, text_of, wait_for_text,
};
use yoldash_testkit::{Backend, TEST_PASSWORD, TestApp, spawn_app};

const GIVEN: &str = "Aýgül";
const FAMILY: &str = "Berdiýewa";
const GRANDMOTHER: &str = "Ogulbike Annaýewa";

/// Chooses an option of a select (a click on a multi-select toggles the option).
async fn choose(d: &WebDriver, id: &str, value: &str) {
    click(d, &format!("#{id} option[value='{value}']")).await;
}

/// Sets a date input by script: typing into one depends on the browser's locale.
async fn set_date(d: &WebDriver, id: &str, day: &str) {
    let e = d
        .query(By::Id(id))
        .first()
        .await
        .unwrap_or_else(|_| panic!("no #{id}"));
    d.execute(
        format!("arguments[0].value = '{day}';"),
        vec![e.to_json().unwrap()],
    )
    .await
    .unwrap();
    assert_eq!(e.prop("value").await.unwrap().as_deref(), Some(day));
}

/// Waits until at least `n` elements match `css`; returns how many do.
async fn wait_for_count(d: &WebDriver, css: &str, n: usize) -> usize {
    let mut found = 0;
    for _ in 0..100 {
        found = d.find_all(By::Css(css)).await.unwrap().len();
        if found >= n {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("only {found} of {n} {css}: {}", d.source().await.unwrap());
}

/// Waits until the address matches `pred`; returns its path.
async fn wait_for_path(d: &WebDriver, what: &str, pred: impl Fn(&str) -> bool) -> String {
    for _ in 0..100 {
        let url = d.current_url().await.unwrap();
        if pred(url.path()) {
            return url.path().to_string();
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "never reached {what}: at {}: {}",
        d.current_url().await.unwrap(),
        d.source().await.unwrap()
    );
}

/// Scrolls `css` to the top of the view and takes a screenshot.
async fn screenshot_at(browser: &Browser, css: &str, name: &str) {
    let e = browser
        .driver
        .query(By::Css(css))
        .first()
        .await
        .unwrap_or_else(|_| panic!("no {css}"));
    e.scroll_into_view().await.unwrap();
    browser.screenshot(name).await;
}

/// Checks that the page does not scroll sideways (at phone width).
async fn assert_fits_width(d: &WebDriver, what: &str) {
    let ret = d
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            Vec::new(),
        )
        .await
        .unwrap();
    let widths = ret.json().as_array().cloned().unwrap_or_default();
    let (scroll, inner) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
    assert!(
        scroll <= inner,
        "{what} scrolls sideways: {scroll} px wide in a {inner} px window"
    );
}

async fn sign_in(d: &WebDriver, app: &TestApp, email: &str, password: &str) {
    d.goto(app.url("/login")).await.unwrap();
    fill(d, "#email", email).await;
    fill(d, "#password", password).await;
    click(d, "main form button.primary").await;
}

/// Opens a tab of the case page and waits for its panel.
async fn open_tab(d: &WebDriver, app: &TestApp, code: &str, tab: &str) {
    d.goto(app.url(&format!("/cases/{code}?tab={tab}")))
        .await
        .unwrap();
    d.query(By::Css(format!("#tab-{tab}")))
        .first()
        .await
        .unwrap_or_else(|_| panic!("no #tab-{tab}"));
}

struct Member<'a> {
    given: &'a str,
    family: &'a str,
    relation: &'a str,
    sex: &'a str,
    situation: &'a str,
    abroad: Option<(&'a str, &'a str)>,
    in_contact: bool,
    sends_remittances: bool,
    cares_for_child: bool,
}

/// Adds a household member through the form and waits for its row in the table.
async fn add_member(d: &WebDriver, m: &Member<'_>, rows_after: usize) {
    fill(d, "#given_name", m.given).await;
    fill(d, "#family_name", m.family).await;
    choose(d, "relation", m.relation).await;
    choose(d, "sex", m.sex).await;
    choose(d, "situation", m.situation).await;
    if let Some((country, since)) = m.abroad {
        choose(d, "abroad_country", country).await;
        set_date(d, "abroad_since", since).await;
    }
    for (id, on) in [
        ("in_contact", m.in_contact),
        ("sends_remittances", m.sends_remittances),
        ("cares_for_child", m.cares_for_child),
    ] {
        if on {
            click(d, &format!("#{id}")).await;
        }
    }
    click(d, "form[action$='/household'] button.primary").await;
    wait_for_count(d, "#tab-household table.list tbody tr", rows_after).await;
    wait_for_text(d, "Öý hojalygynyň agzasy goşuldy.").await;
    let table = text_of(d, "#tab-household table.list").await;
    assert!(table.contains(m.given), "{} not listed: {table}", m.given);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn case_worker_registers_a_left_behind_child_in_turkmen() {
    let Some(driver_bin) = chromedriver() else {
        eprintln!("SKIPPED browser test: YOLDASH_TEST_CHROMEDRIVER is not set");
        return;
    };
    let _one = ONE_AT_A_TIME.lock().await;
    let app = spawn_app(Backend::Sqlite).await;
    let worker = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
    let browser = Browser::start(&driver_bin).await;
    let d = &browser.driver;
    d.set_window_rect(0, 0, 1280, 900).await.unwrap();

    // The case worker signs in and switches to Turkmen.
    sign_in(d, &app, &worker.email, TEST_PASSWORD).await;
    wait_for_text(d, "Welcome, Test User.").await;
    d.goto(app.url("/lang/tk?next=/")).await.unwrap();
    wait_for_text(d, "Hoş geldiňiz").await;
    wait_for_text(d, "<html lang=\"tk\"").await;

    // 1. Registration of a child whose parents work abroad.
    d.goto(app.url("/cases/new")).await.unwrap();
    choose(d, "case_type", "affected_family_member").await;
    fill(d, "#given_name", GIVEN).await;
    fill(d, "#family_name", FAMILY).await;
    choose(d, "sex", "female").await;
    set_date(d, "birth_date", "2013-06-01").await;
    fill(d, "#phone", "+993 65 123456").await;
    fill(
        d,
        "#narrative",
        "Kakasy we ejesi işlemek üçin daşary ýurda gitdiler; Aýgül mamasy bilen galýar.",
    )
    .await;
    choose(d, "doc_kind_0", "birth_certificate").await;
    fill(d, "#doc_number_0", "I-LB 654321").await;
    choose(d, "doc_country_0", "TM").await;
    choose(d, "citizenships", "TM").await;
    click(d, ".actions button.primary").await;
    let path = wait_for_path(d, "the case page", |p| {
        p.starts_with("/cases/C-") && !p.ends_with("/new")
    })
    .await;
    let code = path.trim_start_matches("/cases/").to_string();
    assert_eq!(code.len(), "C-XXXX-XXXX".len(), "{code}");
    wait_for_text(d, "Iş hasaba alyndy.").await;
    wait_for_text(d, GIVEN).await;
    browser.screenshot("case-page-tk").await;

    // 2. The household: both parents abroad, the grandmother at home caring for her.
    open_tab(d, &app, &code, "household").await;
    add_member(
        d,
        &Member {
            given: "Jeren",
            family: FAMILY,
            relation: "parent",
            sex: "female",
            situation: "abroad",
            abroad: Some(("RU", "2021-03-01")),
            in_contact: true,
            sends_remittances: true,
            cares_for_child: false,
        },
        1,
    )
    .await;
    add_member(
        d,
        &Member {
            given: "Myrat",
            family: "Berdiýew",
            relation: "parent",
            sex: "male",
            situation: "abroad",
            abroad: Some(("TR", "2022-09-15")),
            in_contact: false,
            sends_remittances: false,
            cares_for_child: false,
        },
        2,
    )
    .await;
    let (gm_given, gm_family) = GRANDMOTHER.split_once(' ').unwrap();
    add_member(
        d,
        &Member {
            given: gm_given,
            family: gm_family,
            relation: "caregiver",
            sex: "female",
            situation: "at_home",
            abroad: None,
            in_contact: false,
            sends_remittances: false,
            cares_for_child: true,
        },
        3,
    )
    .await;
    let warning = text_of(d, "#tab-household div.warn").await;
    assert!(
        warning.contains("Migrasiýanyň täsirine düşen çaga"),
        "left-behind warning: {warning}"
    );
    assert!(
        warning.contains("Öýde çaga ideg edýän adam bar."),
        "{warning}"
    );
    screenshot_at(&browser, "nav.tabs", "case-household-tk").await;

    // 3. The guardian's consent to assistance, with the child's own view.
    open_tab(d, &app, &code, "consent").await;
    choose(d, "purpose", "assistance").await;
    let given_on = d
        .query(By::Id("given_on"))
        .first()
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap_or_default();
    assert_eq!(
        given_on.len(),
        10,
        "given_on prefilled with today: {given_on:?}"
    );
    choose(d, "form", "written").await;
    choose(d, "given_by", "guardian").await;
    fill(d, "#representative_name", GRANDMOTHER).await;
    fill(
        d,
        "#child_view",
        "Aýgül mamasynyň ýanynda galmak we mekdebe gatnamak isleýär.",
    )
    .await;
    click(d, "form[action$='/consents'] button.primary").await;
    wait_for_text(d, "Razylyk hasaba alyndy.").await;
    let allowed = text_of(d, "ul.consent-now li.ok").await;
    assert!(allowed.contains("Kömek"), "assistance allowed: {allowed}");

    // 4. The identification.
    open_tab(d, &app, &code, "identification").await;
    choose(d, "trafficking_status", "possible").await;
    choose(d, "decided_by", &app.admin_org.id.to_string()).await;
    set_date(d, "decided_on", "2026-01-15").await;
    click(d, "input[name='exploitation_forms'][value='child_labour']").await;
    click(d, "input[name='control_methods'][value='threats']").await;
    choose(d, "recruitment_method", "job_offer").await;
    choose(d, "recruiter_relation", "acquainted").await;
    choose(d, "recruitment_countries", "TM").await;
    choose(d, "exploitation_countries", "TM").await;
    choose(d, "isic_section", "A").await;
    click(d, "form[action$='/identification'] button.primary").await;
    wait_for_text(d, "Ýüze çykarmagyň netijesi ýatda saklandy.").await;

    // 5. The history, in Turkmen.
    open_tab(d, &app, &code, "history").await;
    let entries = wait_for_count(d, "ol.timeline > li", 5).await;
    assert!(entries >= 5, "{entries} history entries");
    let source = d.source().await.unwrap();
    assert!(source.contains("<html lang=\"tk\""), "page in Turkmen");
    let tabs = d.find_all(By::Css("nav.tabs a")).await.unwrap();
    assert_eq!(tabs.len(), 6, "six tabs");
    let labels = text_of(d, "nav.tabs").await;
    for label in ["Adam", "Öý hojalygy", "Razylyk", "Ýüze çykarmak", "Taryh"] {
        assert!(labels.contains(label), "tab {label}: {labels}");
    }
    screenshot_at(&browser, "nav.tabs", "case-history-tk").await;

    // 6. The list shows the case, never the name.
    d.goto(app.url("/cases")).await.unwrap();
    wait_for_text(d, &code).await;
    let list = d.source().await.unwrap();
    assert!(
        !list.contains(GIVEN) && !list.contains(FAMILY),
        "a name in the case list"
    );
    browser.screenshot("case-list-tk").await;

    // 7. At phone width.
    d.set_window_rect(0, 0, 390, 844).await.unwrap();
    d.goto(app.url(&format!("/cases/{code}"))).await.unwrap();
    wait_for_text(d, GIVEN).await;
    assert_fits_width(d, "the case page").await;
    browser.screenshot("case-page-phone-tk").await;
    open_tab(d, &app, &code, "household").await;
    assert_fits_width(d, "the household tab").await;
    screenshot_at(
        &browser,
        "#tab-household .table-wrap",
        "case-household-phone-tk",
    )
    .await;
    open_tab(d, &app, &code, "history").await;
    assert_fits_width(d, "the history tab").await;
    d.goto(app.url("/cases")).await.unwrap();
    wait_for_text(d, &code).await;
    assert_fits_width(d, "the case list").await;
    browser.screenshot("case-list-phone-tk").await;
    screenshot_at(&browser, ".table-wrap", "case-list-rows-phone-tk").await;

    browser.quit().await;
}
