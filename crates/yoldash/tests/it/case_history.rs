//! `GET /api/v1/cases/{code}/history`: the history tab of the case page as data — the same
//! visibility (404 outside the scope), the same words, and a view audit entry like every read.

use serde_json::{Value, json};
use yoldash_domain::Role;
use yoldash_testkit::{Backend, both_backends, create_org, spawn_app};

both_backends!(
    the_api_gives_the_case_history_as_the_page_shows_it,
    |backend: Backend| async move {
        let app = spawn_app(backend).await;
        let worker = app.create_user(app.admin_org.id, &[Role::CaseWorker]).await;
        let token = app.token_for(&worker).await;
        let api = reqwest::Client::new();
        let res = api
            .post(app.url("/api/v1/cases"))
            .bearer_auth(&token)
            .json(&json!({
                "case_type": "affected_family_member", "risk": "medium",
                "person": {"facts": {"sex": "female", "gender_identity": null, "birth": null,
                    "citizenships": ["TM"], "origin_region_id": null, "disability": null,
                    "languages": [], "education": null, "marital_status": null},
                    "identity": {"given_name": "Aýna", "family_name": "Berdiýewa"}},
                "draft": true
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let file: Value = res.json().await.unwrap();
        let code = file["case"]["code"].as_str().unwrap().to_string();
        let res = api
            .put(app.url(&format!("/api/v1/cases/{code}/details")))
            .bearer_auth(&token)
            .json(
                &json!({"version": file["case"]["version"], "case_type": "affected_family_member",
                          "risk": "high", "assigned_worker_id": worker.id,
                          "restricted": false, "family_implicated": false}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());

        let reads = "SELECT COUNT(*) FROM audit_log WHERE action = 'read' AND object_type = 'case'";
        let before = app.count(reads, None).await;
        let res = api
            .get(app.url(&format!("/api/v1/cases/{code}/history")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let history: Vec<Value> = res.json().await.unwrap();
        assert_eq!(
            app.count(reads, None).await,
            before + 1,
            "the read is audited"
        );
        // Newest first: the change of details, then the creations.
        let change = &history[0];
        assert_eq!(change["record_kind"], "case");
        assert_eq!(change["change"], "update");
        assert_eq!(change["who"]["user_id"], worker.id.to_string());
        assert_eq!(change["who"]["name"], "Test User");
        let risk = change["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["field"] == "risk")
            .unwrap_or_else(|| panic!("no risk change in {change}"));
        // In words, as the page shows them, and as stored.
        assert_eq!(risk["label"], "Risk level");
        assert_eq!(risk["old"], "Medium");
        assert_eq!(risk["new"], "High");
        assert_eq!(risk["old_value"], "medium");
        let created = history
            .iter()
            .find(|e| e["record_kind"] == "person")
            .unwrap();
        assert_eq!(created["change"], "create");
        assert!(created["changes"].as_array().unwrap().is_empty());
        assert!(
            created["filled"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["field"] == "given_name"),
            "{created}"
        );
        let text = serde_json::to_string(&history).unwrap();
        assert!(
            !text.contains("Aýna"),
            "a creation names the fields, not the values"
        );
        // The case page shows the same words.
        let page = {
            let (client, _) = app
                .login(&worker.email, yoldash_testkit::TEST_PASSWORD)
                .await;
            app.page(&client, &format!("/cases/{code}?tab=history"))
                .await
        };
        for words in [change["what"].as_str().unwrap(), "Medium", "High"] {
            assert!(page.contains(words), "the page shows {words}");
        }

        // Outside the scope: 404, as for the case itself.
        let other = create_org(&app.store, "OTHER-NGO").await;
        let stranger = app.create_user(other.id, &[Role::Supervisor]).await;
        let stranger_token = app.token_for(&stranger).await;
        for path in [
            format!("/api/v1/cases/{code}/history"),
            "/api/v1/cases/C-0000-0000/history".into(),
        ] {
            let res = api
                .get(app.url(&path))
                .bearer_auth(&stranger_token)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 404, "{path}");
        }
        let res = api
            .get(app.url(&format!("/api/v1/cases/{code}/history")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
    }
);
