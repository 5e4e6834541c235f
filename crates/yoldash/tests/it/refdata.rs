//! Reference data screens: importing regions from CSV and XLSX files (every bad row reported
//! with its line, all-or-nothing and partial modes, unusable files), and the reference list
//! screens (seed items, adding, editing under version control, retiring, restoring).

use yoldash_domain::Role;
use yoldash_testkit::{Backend, TEST_PASSWORD, TestApp, both_backends, spawn_app};

const BOUNDARY: &str = "yoldash-test-boundary-7d3f0c";

/// A multipart body as a browser sends the import form: the CSRF token, the file and the
/// mode, in page order.
fn import_form(csrf: &str, file: Option<(&str, &[u8])>, mode: Option<&str>) -> Vec<u8> {
    let mut body = Vec::new();
    let mut part = |head: String, data: &[u8]| {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n{head}\r\n\r\n").as_bytes());
        body.extend_from_slice(data);
        body.extend_from_slice(b"\r\n");
    };
    part(
        "Content-Disposition: form-data; name=\"csrf\"".into(),
        csrf.as_bytes(),
    );
    match file {
        Some((name, data)) => part(
            format!(
                "Content-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream"
            ),
            data,
        ),
        // A browser sends an empty file part when no file was chosen.
        None => part(
            "Content-Disposition: form-data; name=\"file\"; filename=\"\"\r\nContent-Type: application/octet-stream".into(),
            b"",
        ),
    }
    if let Some(mode) = mode {
        part(
            "Content-Disposition: form-data; name=\"mode\"".into(),
            mode.as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Posts the import form (without any CSRF header: the token travels in the form, as from
/// a browser without JavaScript); returns the status and the page.
async fn import(
    app: &TestApp,
    client: &reqwest::Client,
    csrf: &str,
    file: Option<(&str, &[u8])>,
    mode: Option<&str>,
) -> (u16, String) {
    let res = client
        .post(app.url("/admin/regions/import"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(import_form(csrf, file, mode))
        .send()
        .await
        .expect("import request");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

async fn page(app: &TestApp, client: &reqwest::Client, path: &str) -> String {
    let res = client.get(app.url(path)).send().await.expect("request");
    assert_eq!(res.status(), 200, "GET {path}");
    res.text().await.unwrap()
}

/// The rows of the "rows with errors" table: (line, column, message).
fn problems(html: &str) -> Vec<(usize, String, String)> {
    html.split("<tr class=\"import-problem\">")
        .skip(1)
        .map(|row| {
            let cells: Vec<String> = row
                .split("<td>")
                .skip(1)
                .take(3)
                .map(|c| {
                    let c = &c[..c.find("</td>").unwrap()];
                    c.replace("<code>", "").replace("</code>", "")
                })
                .collect();
            (
                cells[0].parse().unwrap(),
                cells[1].clone(),
                cells[2].clone(),
            )
        })
        .collect()
}

async fn admin(app: &TestApp) -> (reqwest::Client, String) {
    let user = app.create_user(app.admin_org.id, &[Role::Admin]).await;
    app.login(&user.email, TEST_PASSWORD).await
}

async fn api_region_codes(app: &TestApp, client: &reqwest::Client) -> Vec<serde_json::Value> {
    client
        .get(app.url("/api/v1/regions"))
        .send()
        .await
        .unwrap()
        .json::<Vec<serde_json::Value>>()
        .await
        .unwrap()
}

fn find<'a>(regions: &'a [serde_json::Value], code: &str) -> Option<&'a serde_json::Value> {
    regions.iter().find(|r| r["code"] == code)
}

fn xlsx(rows: &[&[&str]]) -> Vec<u8> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let sheet = wb.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            sheet.write_string(r as u32, c as u16, *cell).unwrap();
        }
    }
    // A number where a spreadsheet user would type one: shown as "5", not "5.0".
    sheet.write_number(rows.len() as u32, 0, 5.0).unwrap();
    sheet
        .write_string(rows.len() as u32, 2, "district")
        .unwrap();
    sheet
        .write_string(rows.len() as u32, 3, "Numbered district")
        .unwrap();
    sheet.write_string(rows.len() as u32, 1, "TM-L").unwrap();
    wb.save_to_buffer().unwrap()
}

both_backends!(
    regions_import_from_csv_and_xlsx,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let (client, csrf) = admin(&app).await;
        let before = app.count("SELECT COUNT(*) FROM regions", None).await;

        // CSV, `;`-separated, with a byte-order mark, quoted fields and all three languages;
        // the child comes before its parent in the file.
        let csv = "\u{feff}code;parent_code;level;name_en;name_ru;name_tk\n\
               TM-A-NEW-1;TM-A-NEW;village;\"Gökdepe; west\";Гёкдепе-запад;Gökdepe günbatar\n\
               TM-A-NEW;TM-A;district;New district;Новый этрап;Täze etrap\n";
        let (status, html) = import(
            &app,
            &client,
            &csrf,
            Some(("regions.csv", csv.as_bytes())),
            None,
        )
        .await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("Added: 2"), "{html}");
        assert!(html.contains("Updated: 0"));
        assert!(html.contains("Skipped: 0"));
        assert!(problems(&html).is_empty());
        assert_eq!(
            app.count("SELECT COUNT(*) FROM regions", None).await,
            before + 2
        );

        let tree = page(&app, &client, "/admin/regions").await;
        assert!(
            tree.contains("New district") && tree.contains("TM-A-NEW-1"),
            "{tree}"
        );
        assert!(tree.contains("Gökdepe; west"));
        // Ashgabat has the test organisation.
        let ashgabat = &tree[tree.find("Ashgabat").unwrap()..];
        assert!(
            ashgabat[..ashgabat.find("</li>").unwrap_or(ashgabat.len())]
                .contains("one organisation")
        );

        let regions = api_region_codes(&app, &client).await;
        let parent = find(&regions, "TM-A-NEW").expect("imported region in the API");
        let child = find(&regions, "TM-A-NEW-1").unwrap();
        assert_eq!(child["parent_id"], parent["id"]);
        assert_eq!(child["names"]["ru"], "Гёкдепе-запад");
        assert_eq!(child["names"]["tk"], "Gökdepe günbatar");
        assert_eq!(child["level"], "village");

        // XLSX: one new region, one update of a stored one (its name and level change).
        let book = xlsx(&[
            &[
                "Code",
                "Parent_Code",
                "Level",
                "Name_EN",
                "Name_RU",
                "Name_TK",
            ],
            &[
                "TM-L-NEW",
                "TM-L",
                "district",
                "Lebap new",
                "Лебап новый",
                "Täze Lebap",
            ],
            &["TM-A-NEW", "TM-A", "Etrap", "New district, renamed", "", ""],
        ]);
        let (status, html) = import(
            &app,
            &client,
            &csrf,
            Some(("Regions.XLSX", &book)),
            Some("all_or_nothing"),
        )
        .await;
        assert_eq!(status, 200, "{html}");
        assert!(
            html.contains("Added: 2") && html.contains("Updated: 1"),
            "{html}"
        );
        let regions = api_region_codes(&app, &client).await;
        assert_eq!(
            find(&regions, "TM-L-NEW").unwrap()["names"]["tk"],
            "Täze Lebap"
        );
        assert_eq!(
            find(&regions, "5").unwrap()["names"]["en"],
            "Numbered district"
        );
        let renamed = find(&regions, "TM-A-NEW").unwrap();
        assert_eq!(renamed["names"]["en"], "New district, renamed");
        assert_eq!(renamed["level"], "etrap");
        // An empty cell in a name column the file has removes that name.
        assert!(renamed["names"].get("ru").is_none());
        assert!(
            page(&app, &client, "/admin/regions")
                .await
                .contains("Lebap new")
        );

        // A file without the Russian and Turkmen columns keeps the stored names in them.
        let english_only =
            "code,parent_code,level,name_en\nTM-A-NEW-1,TM-A-NEW,village,Gokdepe west\n";
        let (status, html) = import(
            &app,
            &client,
            &csrf,
            Some(("english.csv", english_only.as_bytes())),
            None,
        )
        .await;
        assert_eq!(status, 200, "{html}");
        let regions = api_region_codes(&app, &client).await;
        let child = find(&regions, "TM-A-NEW-1").unwrap();
        assert_eq!(child["names"]["en"], "Gokdepe west");
        assert_eq!(child["names"]["ru"], "Гёкдепе-запад");
        assert_eq!(child["names"]["tk"], "Gökdepe günbatar");

        // One audit entry per import, with counts and no names.
        let details: Vec<String> = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'import' AND object_type = 'regions' ORDER BY seq",
    )
    .fetch_all(&app.store.db.pool)
    .await
    .unwrap();
        assert_eq!(details.len(), 3);
        assert!(
            details[1].contains("added=2") && details[1].contains("updated=1"),
            "{details:?}"
        );
        assert!(!details.concat().contains("Lebap"));
    }
);

/// A file with good rows and bad ones, each kind of mistake once.
const MIXED: &str = "code,parent_code,level,name_en,name_ru,name_tk
TM-M-OK1,TM-M,district,Good one,Хороший,Gowy
TM-M BAD,TM-M,district,Space in the code,,
TM-M-ORPHAN,TM-NOWHERE,district,Unknown parent,,
TM-M-NONAME,TM-M,district,,Без английского названия,
TM-M-NONAME-1,TM-M-NONAME,village,Child of a bad row,,
TM-M-OK2,TM-M,district,Good two,,
TM-M-TWICE,TM-M,district,Once,,
TM-M-TWICE,TM-M,district,Twice,,
";

both_backends!(
    bad_rows_all_or_nothing_then_partial,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let (client, csrf) = admin(&app).await;
        let before = app.count("SELECT COUNT(*) FROM regions", None).await;
        let codes_before: Vec<String> = sqlx::query_scalar("SELECT code FROM regions")
            .fetch_all(&app.store.db.pool)
            .await
            .unwrap();

        let (status, html) = import(
            &app,
            &client,
            &csrf,
            Some(("mixed.csv", MIXED.as_bytes())),
            None,
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            html.contains("Nothing was imported: 6 rows have errors"),
            "{html}"
        );
        let found: Vec<(usize, String)> = problems(&html)
            .into_iter()
            .map(|(l, c, _)| (l, c))
            .collect();
        let want: Vec<(usize, String)> = [
            (3, "code"),
            (4, "parent_code"),
            (5, "name_en"),
            (6, "parent_code"),
            (8, "code"),
            (9, "code"),
        ]
        .iter()
        .map(|(l, c)| (*l, c.to_string()))
        .collect();
        assert_eq!(found, want);
        let messages: Vec<String> = problems(&html).into_iter().map(|p| p.2).collect();
        assert!(
            messages[0].starts_with("Use up to 64 letters"),
            "{messages:?}"
        );
        assert_eq!(messages[1], "The parent region does not exist.");
        assert_eq!(messages[2], "An English name is required.");
        assert!(messages[3].contains("row has an error"));
        assert_eq!(messages[4], "This code is used twice.");
        assert_eq!(
            app.count("SELECT COUNT(*) FROM regions", None).await,
            before
        );

        // The same file in partial mode: exactly the two good rows.
        let (status, html) = import(
            &app,
            &client,
            &csrf,
            Some(("mixed.csv", MIXED.as_bytes())),
            Some("valid_rows_only"),
        )
        .await;
        assert_eq!(status, 200, "{html}");
        assert!(
            html.contains("Added: 2") && html.contains("Skipped: 6"),
            "{html}"
        );
        assert_eq!(problems(&html).len(), 6);
        assert_eq!(
            app.count("SELECT COUNT(*) FROM regions", None).await,
            before + 2
        );
        let codes: Vec<String> = sqlx::query_scalar("SELECT code FROM regions ORDER BY code")
            .fetch_all(&app.store.db.pool)
            .await
            .unwrap();
        let new: Vec<&String> = codes.iter().filter(|c| !codes_before.contains(c)).collect();
        assert_eq!(new, ["TM-M-OK1", "TM-M-OK2"]);
        let tree = page(&app, &client, "/admin/regions").await;
        assert!(tree.contains("Good two") && !tree.contains("Child of a bad row"));
    }
);

both_backends!(
    unusable_files_give_translated_errors,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let (client, csrf) = admin(&app).await;
        let before = app.count("SELECT COUNT(*) FROM regions", None).await;

        let form = page(&app, &client, "/admin/regions/import").await;
        assert!(
            form.contains("enctype=\"multipart/form-data\"") && form.contains("Files up to 1 MiB.")
        );

        let unknown = "code,level,name_en,name_fr,notes\nTM-X,district,X,Xe,\n";
        let (status, html) = import(
            &app,
            &client,
            &csrf,
            Some(("r.csv", unknown.as_bytes())),
            None,
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            html.contains("columns this import does not know: name_fr, notes"),
            "{html}"
        );
        assert!(html.contains("aria-invalid=\"true\""));

        let missing = "code,parent_code\nTM-X,TM\n";
        let (status, html) = import(
            &app,
            &client,
            &csrf,
            Some(("r.csv", missing.as_bytes())),
            None,
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            html.contains("lacks required columns: level, name_en"),
            "{html}"
        );

        let (status, html) = import(
            &app,
            &client,
            &csrf,
            Some(("r.xlsx", b"PK\x03\x04 not really a workbook")),
            None,
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            html.contains("not a readable Excel (.xlsx) workbook"),
            "{html}"
        );

        let (status, html) = import(
            &app,
            &client,
            &csrf,
            Some(("r.csv", b"code,level,name_en\nA,x,\xc0\xf5\xe0\xeb\n")),
            None,
        )
        .await;
        assert_eq!(status, 422);
        assert!(html.contains("not in UTF-8"), "{html}");

        let (status, html) = import(&app, &client, &csrf, Some(("r.txt", b"code\n")), None).await;
        assert_eq!(status, 422);
        assert!(html.contains("ends in .csv or .xlsx"));

        let (status, html) = import(&app, &client, &csrf, None, None).await;
        assert_eq!(status, 422);
        assert!(html.contains("Choose a file to upload."), "{html}");

        // A form post that is not multipart at all.
        let res = client
            .post(app.url("/admin/regions/import"))
            .form(&[("csrf", csrf.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422);

        // Larger than the body limit: back to the form, with the reason.
        let mut big = b"code,level,name_en\n".to_vec();
        while big.len() <= 1024 * 1024 + 10 {
            big.extend_from_slice(
                b"TM-BIG-000000,district,A region name that takes up some room\n",
            );
        }
        let res = client
            .post(app.url("/admin/regions/import"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(import_form(&csrf, Some(("big.csv", &big)), None))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/admin/regions/import");
        let form = page(&app, &client, "/admin/regions/import").await;
        assert!(form.contains("The file is too large to upload."), "{form}");

        // A form without the CSRF token is refused.
        let res = client
            .post(app.url("/admin/regions/import"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(import_form(
                "wrong",
                Some(("r.csv", b"code,level,name_en\nTM-Q,x,Q\n")),
                None,
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403);

        // In Russian.
        assert_eq!(app.status(&client, "/lang/ru?next=/").await, 303);
        let (status, html) = import(
            &app,
            &client,
            &csrf,
            Some(("r.csv", unknown.as_bytes())),
            None,
        )
        .await;
        assert_eq!(status, 422);
        assert!(
            html.contains("В файле есть неизвестные столбцы: name_fr, notes."),
            "{html}"
        );
        let (_, html) = import(&app, &client, &csrf, Some(("r.xlsx", b"garbage")), None).await;
        assert!(
            html.contains("Файл не является читаемой книгой Excel"),
            "{html}"
        );

        assert_eq!(
            app.count("SELECT COUNT(*) FROM regions", None).await,
            before
        );
        assert_eq!(
            app.count(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'import'",
                None
            )
            .await,
            0
        );
    }
);

fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let at = html
        .find(&marker)
        .unwrap_or_else(|| panic!("no {name} in {html}"))
        + marker.len();
    html[at..at + html[at..].find('"').unwrap()].to_string()
}

both_backends!(reference_list_screens, |backend: Backend| async move {
    let app = spawn_app(backend).await;
    let (client, csrf) = admin(&app).await;
    let post = |path: &str, fields: Vec<(&str, &str)>| {
        let mut form = vec![("csrf", csrf.as_str())];
        form.extend(fields);
        client.post(app.url(path)).form(&form).send()
    };

    // The seed lists and items.
    let index = page(&app, &client, "/admin/lists").await;
    for name in [
        "Service types",
        "Case closure reasons",
        "Referral decline reasons",
        "Consultation channels",
        "Consultation topics",
        "Training topics",
    ] {
        assert!(index.contains(name), "{name}");
    }
    let items = page(&app, &client, "/admin/lists/service_type").await;
    assert!(
        items.contains("Shelter")
            && items.contains("Юридическая помощь")
            && items.contains("Hünär okuwy")
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM reference_items WHERE list = $1",
            Some("service_type")
        )
        .await,
        12
    );
    assert_eq!(app.status(&client, "/admin/lists/no_such_list").await, 404);
    assert_eq!(
        app.status(&client, "/admin/lists/service_type/no_such_item")
            .await,
        404
    );

    // Add an item.
    let res = post(
        "/admin/lists/service_type",
        vec![
            ("code", "hotline_support"),
            ("label_en", "Hotline support"),
            ("label_ru", "Поддержка по горячей линии"),
            ("label_tk", "Ynanyşma telefony arkaly goldaw"),
            ("sort_order", "45"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 303);
    let items = page(&app, &client, "/admin/lists/service_type").await;
    assert!(items.contains("The item has been added."));
    let legal = items.find("legal_aid").unwrap();
    let hotline = items.find("hotline_support").unwrap();
    let reintegration = items.find("reintegration_support").unwrap();
    assert!(
        legal < hotline && hotline < reintegration,
        "sorted by sort order"
    );
    let item = app
        .store
        .reference_item("service_type", "hotline_support")
        .await
        .unwrap();
    assert_eq!(item.label("tk"), "Ynanyşma telefony arkaly goldaw");
    assert_eq!(item.sort_order, 45);

    // A duplicate code and a bad code: field errors, and what was typed stays.
    let res = post(
        "/admin/lists/service_type",
        vec![
            ("code", "shelter"),
            ("label_en", "Another shelter"),
            ("label_ru", "Другой приют"),
            ("label_tk", ""),
            ("sort_order", "5"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("id=\"code-error\"") && html.contains("already has an item with this code"),
        "{html}"
    );
    assert!(html.contains("value=\"Another shelter\"") && html.contains("value=\"Другой приют\""));
    let res = post(
        "/admin/lists/service_type",
        vec![("code", "Bad Code"), ("label_en", ""), ("sort_order", "x")],
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("Use 2 to 40 lower-case letters"));
    assert!(html.contains("An English label is required."));
    assert!(html.contains("Enter a whole number from 0 to 999999."));
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM reference_items WHERE list = $1",
            Some("service_type")
        )
        .await,
        13
    );

    // Edit: no code field, the version travels with the form.
    let edit = page(&app, &client, "/admin/lists/service_type/hotline_support").await;
    assert!(!edit.contains("name=\"code\""));
    let seen = hidden(&edit, "version");
    assert_eq!(seen, "1");
    let res = post(
        "/admin/lists/service_type/hotline_support",
        vec![
            ("version", seen.as_str()),
            ("label_en", "Helpline support"),
            ("label_ru", "Поддержка по телефону доверия"),
            ("label_tk", "Ynanyşma telefony arkaly goldaw"),
            ("sort_order", "45"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 303);
    assert!(
        page(&app, &client, "/admin/lists/service_type")
            .await
            .contains("Helpline support")
    );

    // A second editor who opened the form before that save: conflict, nothing lost.
    let res = post(
        "/admin/lists/service_type/hotline_support",
        vec![
            ("version", seen.as_str()),
            ("label_en", "Typed by the second editor"),
            ("label_ru", "Ввёл второй редактор"),
            ("label_tk", ""),
            ("sort_order", "7"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("Someone else changed this record after you opened it."),
        "{html}"
    );
    assert!(
        html.contains("value=\"Typed by the second editor\"")
            && html.contains("value=\"Ввёл второй редактор\"")
    );
    assert!(
        html.contains("Helpline support") && html.contains("Поддержка по телефону доверия"),
        "current values shown"
    );
    assert_eq!(hidden(&html, "version"), "2");
    let stored = app
        .store
        .reference_item("service_type", "hotline_support")
        .await
        .unwrap();
    assert_eq!(stored.label("en"), "Helpline support");
    // Saving again on purpose, from the conflict page, works.
    let res = post(
        "/admin/lists/service_type/hotline_support",
        vec![
            ("version", "2"),
            ("label_en", "Typed by the second editor"),
            ("label_ru", ""),
            ("label_tk", ""),
            ("sort_order", "7"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(res.status(), 303);
    let stored = app
        .store
        .reference_item("service_type", "hotline_support")
        .await
        .unwrap();
    assert_eq!(
        stored.label("ru"),
        "Typed by the second editor",
        "English fallback"
    );
    assert_eq!(stored.version.0, 3);

    // Retire and restore.
    let res = post("/admin/lists/service_type/shelter/retire", vec![])
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let items = page(&app, &client, "/admin/lists/service_type").await;
    assert!(items.contains("The item has been retired."));
    let row = &items[items.find("id=\"item-shelter\"").unwrap()..];
    assert!(row[..row.find("</tr>").unwrap()].contains("retired"));
    let active = app
        .store
        .reference_items("service_type", false)
        .await
        .unwrap();
    assert!(!active.iter().any(|i| i.code == "shelter"));
    assert_eq!(
        app.store
            .reference_items("service_type", true)
            .await
            .unwrap()
            .len(),
        13
    );
    assert!(
        page(&app, &client, "/admin/lists")
            .await
            .contains("<td>12</td><td>1</td>")
    );
    let res = post("/admin/lists/service_type/shelter/restore", vec![])
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(
        app.store
            .reference_items("service_type", false)
            .await
            .unwrap()
            .iter()
            .any(|i| i.code == "shelter")
    );

    // Use: set once, shown on the list.
    let mut unit = app.store.unit().await.unwrap();
    app.store
        .mark_used(&mut unit, "service_type", "legal_aid")
        .await
        .unwrap();
    unit.commit().await.unwrap();
    let first = app
        .store
        .reference_item("service_type", "legal_aid")
        .await
        .unwrap()
        .first_used_at;
    assert!(first.is_some());
    let mut unit = app.store.unit().await.unwrap();
    app.store
        .mark_used(&mut unit, "service_type", "legal_aid")
        .await
        .unwrap();
    assert!(
        app.store
            .mark_used(&mut unit, "service_type", "nothing_here")
            .await
            .is_err()
    );
    drop(unit);
    assert_eq!(
        app.store
            .reference_item("service_type", "legal_aid")
            .await
            .unwrap()
            .first_used_at,
        first
    );
    let items = page(&app, &client, "/admin/lists/service_type").await;
    let row = &items[items.find("id=\"item-legal_aid\"").unwrap()..];
    assert!(row[..row.find("</tr>").unwrap()].contains("used in records"));

    // Seeding again never overwrites an administrator's edits.
    let mut unit = app.store.unit().await.unwrap();
    assert_eq!(app.store.seed_reference_lists(&mut unit).await.unwrap(), 0);
    unit.commit().await.unwrap();
    assert_eq!(
        app.store
            .reference_item("service_type", "hotline_support")
            .await
            .unwrap()
            .label("en"),
        "Typed by the second editor"
    );

    // Every change audited, without labels.
    let entries: Vec<(String, String)> = sqlx::query_as(
        "SELECT action, detail FROM audit_log WHERE object_type = 'reference_item' ORDER BY seq",
    )
    .fetch_all(&app.store.db.pool)
    .await
    .unwrap();
    let got: Vec<(&str, &str)> = entries
        .iter()
        .map(|(a, d)| (a.as_str(), d.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("create", "service_type/hotline_support"),
            ("update", "edit service_type/hotline_support"),
            ("update", "edit service_type/hotline_support"),
            ("update", "retire service_type/shelter"),
            ("update", "restore service_type/shelter"),
        ]
    );
});

both_backends!(
    reference_data_screens_are_for_administrators,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        for role in [Role::OrgAdmin, Role::CaseWorker, Role::Viewer] {
            let user = app.create_user(app.admin_org.id, &[role]).await;
            let (client, csrf) = app.login(&user.email, TEST_PASSWORD).await;
            for path in [
                "/admin/regions",
                "/admin/regions/import",
                "/admin/lists",
                "/admin/lists/service_type",
                "/admin/lists/service_type/shelter",
            ] {
                assert_eq!(app.status(&client, path).await, 403, "{role:?} {path}");
            }
            let res = client
                .post(app.url("/admin/lists/service_type/shelter/retire"))
                .form(&[("csrf", csrf.as_str())])
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 403);
            let (status, _) = import(
                &app,
                &client,
                &csrf,
                Some(("r.csv", b"code,level,name_en\nTM-Q,x,Q\n")),
                None,
            )
            .await;
            assert_eq!(status, 403, "{role:?} import");
        }
        assert!(
            app.store
                .reference_items("service_type", false)
                .await
                .unwrap()
                .iter()
                .any(|i| i.code == "shelter")
        );
        assert_eq!(
            app.count("SELECT COUNT(*) FROM regions WHERE code = $1", Some("TM-Q"))
                .await,
            0
        );
    }
);
