//! Versioned schema migrations, one set for both backends, applied under a lock at start.
//!
//! Migrations are written with sea-query's schema builder, which renders the right DDL for
//! SQLite and PostgreSQL from one description. A released migration is never edited: a
//! change is a new migration at the end of the list.

use crate::db::{Backend, Database};
use crate::{StoreError, time::now_micros};
use sea_query::{
    ColumnDef, ForeignKey, ForeignKeyAction, Index, PostgresQueryBuilder, SchemaBuilder,
    SqliteQueryBuilder, Table, TableCreateStatement,
};
use sqlx::{Executor, Row};

/// One migration: a version (strictly increasing), a name, and its statements.
pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    build: fn() -> Vec<Ddl>,
}

/// A statement of a migration.
enum Ddl {
    Table(Box<TableCreateStatement>),
    Index(Box<sea_query::IndexCreateStatement>),
    /// One added column (SQLite alters one column per statement).
    Alter(Box<sea_query::TableAlterStatement>),
    DropIndex(Box<sea_query::IndexDropStatement>),
}

impl Ddl {
    fn render(&self, backend: Backend) -> String {
        fn with<B: SchemaBuilder>(d: &Ddl, b: B) -> String {
            match d {
                Ddl::Table(t) => t.build(b),
                Ddl::Index(i) => i.build(b),
                Ddl::Alter(a) => a.build(b),
                Ddl::DropIndex(i) => i.build(b),
            }
        }
        match backend {
            Backend::Sqlite => with(self, SqliteQueryBuilder),
            Backend::Postgres => with(self, PostgresQueryBuilder),
        }
    }
}

/// All migrations, oldest first.
pub fn migrations() -> Vec<Migration> {
    vec![
        Migration {
            version: 1,
            name: "platform core",
            build: platform_core,
        },
        Migration {
            version: 2,
            name: "second factor, reference lists, audit by action",
            build: second_factor_and_reference_lists,
        },
        Migration {
            version: 3,
            name: "cases: persons, households, consents, identification, history",
            build: cases_part_one,
        },
        Migration {
            version: 4,
            name: "case list order answered by its indexes",
            build: case_list_order,
        },
    ]
}

/// The newest version this binary knows.
pub fn latest_version() -> i64 {
    migrations().last().map_or(0, |m| m.version)
}

// Column helpers: ids are UUIDv7 text, times are microseconds since the epoch, flags are
// 0/1 integers (see `db::flag`), encrypted values are blobs.
fn id(name: &'static str) -> ColumnDef {
    ColumnDef::new(name)
        .text()
        .not_null()
        .primary_key()
        .to_owned()
}
fn text(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().not_null().to_owned()
}
fn text_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).text().null().to_owned()
}
fn int(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().not_null().to_owned()
}
fn int_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).big_integer().null().to_owned()
}
fn blob_null(name: &'static str) -> ColumnDef {
    ColumnDef::new(name).blob().null().to_owned()
}
fn fk(
    from: &'static str,
    col: &'static str,
    to: &'static str,
    on_delete: ForeignKeyAction,
) -> sea_query::ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, col)
        .to(to, "id")
        .on_delete(on_delete)
        .to_owned()
}
fn index(name: &'static str, table: &'static str, cols: &[&'static str], unique: bool) -> Ddl {
    let mut i = Index::create().name(name).table(table).to_owned();
    for c in cols {
        i.col(*c);
    }
    if unique {
        i.unique();
    }
    Ddl::Index(Box::new(i))
}

fn drop_index(name: &'static str, table: &'static str) -> Ddl {
    Ddl::DropIndex(Box::new(
        Index::drop().name(name).table(table).if_exists().to_owned(),
    ))
}

fn add_column(table: &'static str, column: ColumnDef) -> Ddl {
    Ddl::Alter(Box::new(
        Table::alter().table(table).add_column(column).to_owned(),
    ))
}

fn second_factor_and_reference_lists() -> Vec<Ddl> {
    use ForeignKeyAction::Cascade;
    vec![
        // When the user confirmed their TOTP enrolment (NULL: no second factor yet).
        add_column("users", int_null("totp_enabled_at")),
        // The last time step whose code was accepted: a code is accepted only once.
        add_column("users", int_null("totp_last_step")),
        // An administrator requires this user to use a second factor.
        add_column(
            "users",
            ColumnDef::new("second_factor_required")
                .big_integer()
                .not_null()
                .default(0)
                .to_owned(),
        ),
        // 1 while a session has passed the password but not yet the second factor.
        add_column(
            "sessions",
            ColumnDef::new("pending_second_factor")
                .big_integer()
                .not_null()
                .default(0)
                .to_owned(),
        ),
        Ddl::Table(Box::new(
            Table::create()
                .table("recovery_codes")
                .col(id("id"))
                .col(text("user_id"))
                .col(text("code_hash"))
                .col(int("created_at"))
                .col(int_null("used_at"))
                .foreign_key(&mut fk("recovery_codes", "user_id", "users", Cascade))
                .to_owned(),
        )),
        index("recovery_codes_user", "recovery_codes", &["user_id"], false),
        Ddl::Table(Box::new(
            Table::create()
                .table("reference_items")
                .col(id("id"))
                .col(text("list"))
                .col(text("code"))
                .col(text("labels"))
                .col(int("sort_order"))
                .col(int_null("retired_at"))
                .col(int_null("first_used_at"))
                .col(int("version"))
                .col(int("created_at"))
                .col(int("updated_at"))
                .to_owned(),
        )),
        index(
            "reference_items_list_code",
            "reference_items",
            &["list", "code"],
            true,
        ),
    ]
}

/// Cases, part 1. Personal fields live in encrypted blobs (`persons.identity`,
/// `cases.safe_contact`, `consents.details`, `identifications.places`,
/// `record_versions.changes`); exact search uses keyed digests in `person_index`. The
/// case row repeats the person's sex, effective birth date and region of origin so that
/// the case list filters one table (kept in step by the store on every person update).
fn cases_part_one() -> Vec<Ddl> {
    use ForeignKeyAction::{Cascade, Restrict, SetNull};
    vec![
        Ddl::Table(Box::new(
            Table::create()
                .table("persons")
                .col(id("id"))
                .col(text("org_id"))
                .col(ColumnDef::new("code").text().not_null().unique_key())
                .col(text("sex"))
                .col(text_null("gender_identity"))
                .col(text_null("birth_date"))
                .col(int_null("estimated_age"))
                .col(text_null("estimated_on"))
                .col(text("citizenships"))
                .col(text_null("origin_region_id"))
                .col(text_null("disability"))
                .col(text("languages"))
                .col(text_null("education"))
                .col(text_null("marital_status"))
                .col(blob_null("identity"))
                .col(int("version"))
                .col(int("created_at"))
                .col(int("updated_at"))
                .foreign_key(&mut fk("persons", "org_id", "organisations", Restrict))
                .foreign_key(&mut fk("persons", "origin_region_id", "regions", SetNull))
                .to_owned(),
        )),
        Ddl::Table(Box::new(
            Table::create()
                .table("person_index")
                .col(text("person_id"))
                .col(text("kind"))
                .col(text("digest"))
                .foreign_key(&mut fk("person_index", "person_id", "persons", Cascade))
                .to_owned(),
        )),
        index(
            "person_index_digest",
            "person_index",
            &["kind", "digest", "person_id"],
            false,
        ),
        index("person_index_person", "person_index", &["person_id"], false),
        Ddl::Table(Box::new(
            Table::create()
                .table("cases")
                .col(id("id"))
                .col(ColumnDef::new("code").text().not_null().unique_key())
                .col(text("org_id"))
                .col(text("person_id"))
                .col(text("case_type"))
                .col(text("status"))
                .col(text_null("risk"))
                .col(text_null("assigned_worker_id"))
                .col(int("restricted"))
                .col(int("family_implicated"))
                .col(int("draft"))
                .col(text("sex"))
                .col(text_null("birth_date"))
                .col(text_null("region_id"))
                .col(text_null("trafficking_status"))
                .col(text_null("closure_reason"))
                .col(text_null("closure_requested_by"))
                .col(int_null("closure_requested_at"))
                .col(blob_null("safe_contact"))
                .col(int("version"))
                .col(text_null("created_by"))
                .col(int("created_at"))
                .col(int("updated_at"))
                .foreign_key(&mut fk("cases", "org_id", "organisations", Restrict))
                .foreign_key(&mut fk("cases", "person_id", "persons", Restrict))
                .foreign_key(&mut fk("cases", "assigned_worker_id", "users", SetNull))
                .to_owned(),
        )),
        index(
            "cases_org_updated",
            "cases",
            &["org_id", "updated_at"],
            false,
        ),
        index(
            "cases_org_status",
            "cases",
            &["org_id", "status", "updated_at"],
            false,
        ),
        index(
            "cases_worker",
            "cases",
            &["assigned_worker_id", "updated_at"],
            false,
        ),
        index("cases_person", "cases", &["person_id"], false),
        // The visibility condition of a case worker, answered from the index alone.
        index(
            "cases_org_scope",
            "cases",
            &["org_id", "restricted", "assigned_worker_id"],
            false,
        ),
        Ddl::Table(Box::new(
            Table::create()
                .table("household_members")
                .col(id("id"))
                .col(text("case_id"))
                .col(text("person_id"))
                .col(text("relation"))
                .col(text("situation"))
                .col(text_null("abroad_country"))
                .col(text_null("abroad_since"))
                .col(int_null("in_contact"))
                .col(int_null("sends_remittances"))
                .col(text_null("returned_on"))
                .col(int("cares_for_child"))
                .col(int("version"))
                .col(int("created_at"))
                .col(int("updated_at"))
                .foreign_key(&mut fk("household_members", "case_id", "cases", Cascade))
                .foreign_key(&mut fk(
                    "household_members",
                    "person_id",
                    "persons",
                    Restrict,
                ))
                .to_owned(),
        )),
        index(
            "household_members_case",
            "household_members",
            &["case_id"],
            false,
        ),
        Ddl::Table(Box::new(
            Table::create()
                .table("consents")
                .col(id("id"))
                .col(text("case_id"))
                .col(text("purpose"))
                .col(text_null("organisation_id"))
                .col(int("given_at"))
                .col(text("form"))
                .col(text("given_by"))
                .col(blob_null("details"))
                .col(text_null("recorded_by"))
                .col(int("recorded_at"))
                .col(int_null("withdrawn_at"))
                .col(text_null("withdrawn_by"))
                .col(int("version"))
                .foreign_key(&mut fk("consents", "case_id", "cases", Cascade))
                .foreign_key(&mut fk(
                    "consents",
                    "organisation_id",
                    "organisations",
                    Restrict,
                ))
                .to_owned(),
        )),
        index("consents_case", "consents", &["case_id"], false),
        Ddl::Table(Box::new(
            Table::create()
                .table("identifications")
                .col(id("id"))
                .col(text("case_id"))
                .col(text("trafficking_status"))
                .col(text_null("decided_by_org_id"))
                .col(text_null("decided_on"))
                .col(text("exploitation_forms"))
                .col(text("control_methods"))
                .col(text_null("recruitment_method"))
                .col(text_null("recruiter_relation"))
                .col(text("recruitment_countries"))
                .col(text("transit_countries"))
                .col(text("exploitation_countries"))
                .col(text_null("recruited_on"))
                .col(text_null("exploitation_from"))
                .col(text_null("exploitation_to"))
                .col(text_null("isic_section"))
                .col(blob_null("places"))
                .col(int("version"))
                .col(int("created_at"))
                .col(int("updated_at"))
                .foreign_key(&mut fk("identifications", "case_id", "cases", Cascade))
                .foreign_key(&mut fk(
                    "identifications",
                    "decided_by_org_id",
                    "organisations",
                    Restrict,
                ))
                .to_owned(),
        )),
        index(
            "identifications_case",
            "identifications",
            &["case_id"],
            true,
        ),
        Ddl::Table(Box::new(
            Table::create()
                .table("record_versions")
                .col(id("id"))
                .col(text("case_id"))
                .col(text("record_kind"))
                .col(text("record_id"))
                .col(text("change"))
                .col(text_null("actor_user_id"))
                .col(int("at"))
                .col(text("fields"))
                .col(blob_null("changes"))
                .foreign_key(&mut fk("record_versions", "case_id", "cases", Cascade))
                .to_owned(),
        )),
        index(
            "record_versions_case",
            "record_versions",
            &["case_id", "at"],
            false,
        ),
    ]
}

/// The case list sorts by last change, then id: with the id in the index, the page and
/// the rows an offset skips come from the index alone, with no sort and no table reads.
/// Its count is answered by one covering index of the filterable columns.
fn case_list_order() -> Vec<Ddl> {
    vec![
        drop_index("cases_org_updated", "cases"),
        index(
            "cases_org_updated_id",
            "cases",
            &["org_id", "updated_at", "id"],
            false,
        ),
        drop_index("cases_org_status", "cases"),
        index(
            "cases_org_status_updated_id",
            "cases",
            &["org_id", "status", "updated_at", "id"],
            false,
        ),
        drop_index("cases_worker", "cases"),
        index(
            "cases_worker_updated_id",
            "cases",
            &["assigned_worker_id", "updated_at", "id"],
            false,
        ),
        // The list's count ("1–50 of 1,050") reads every column a filter or the visibility
        // rule can ask about from this index alone, not from 1,000 scattered table rows.
        index(
            "cases_org_filters",
            "cases",
            &[
                "org_id",
                "status",
                "sex",
                "risk",
                "case_type",
                "trafficking_status",
                "birth_date",
                "region_id",
                "restricted",
                "assigned_worker_id",
                "draft",
                "closure_requested_by",
            ],
            false,
        ),
    ]
}

fn platform_core() -> Vec<Ddl> {
    use ForeignKeyAction::{Cascade, Restrict};
    vec![
        Ddl::Table(Box::new(
            Table::create()
                .table("regions")
                .col(id("id"))
                .col(ColumnDef::new("code").text().not_null().unique_key())
                .col(text_null("parent_id"))
                .col(text("level"))
                .col(text("names"))
                .col(int("version"))
                .col(int("created_at"))
                .col(int("updated_at"))
                .foreign_key(&mut fk("regions", "parent_id", "regions", Restrict))
                .to_owned(),
        )),
        Ddl::Table(Box::new(
            Table::create()
                .table("organisations")
                .col(id("id"))
                .col(ColumnDef::new("code").text().not_null().unique_key())
                .col(text("org_type"))
                .col(text("names"))
                .col(text_null("region_id"))
                .col(int("active"))
                .col(int("version"))
                .col(int("created_at"))
                .col(int("updated_at"))
                .foreign_key(&mut fk("organisations", "region_id", "regions", Restrict))
                .to_owned(),
        )),
        Ddl::Table(Box::new(
            Table::create()
                .table("users")
                .col(id("id"))
                .col(text("org_id"))
                .col(ColumnDef::new("email").text().not_null().unique_key())
                .col(text("display_name"))
                .col(text("password_hash"))
                .col(text("language"))
                .col(int("active"))
                .col(int("must_change_password"))
                .col(blob_null("totp_secret"))
                .col(int("version"))
                .col(int("created_at"))
                .col(int("updated_at"))
                .col(int("password_changed_at"))
                .foreign_key(&mut fk("users", "org_id", "organisations", Restrict))
                .to_owned(),
        )),
        index("users_org", "users", &["org_id"], false),
        Ddl::Table(Box::new(
            Table::create()
                .table("user_roles")
                .col(text("user_id"))
                .col(text("role"))
                .primary_key(Index::create().col("user_id").col("role"))
                .foreign_key(&mut fk("user_roles", "user_id", "users", Cascade))
                .to_owned(),
        )),
        Ddl::Table(Box::new(
            Table::create()
                .table("sessions")
                .col(ColumnDef::new("token_hash").text().not_null().primary_key())
                .col(text("user_id"))
                .col(text("csrf_token"))
                .col(int("created_at"))
                .col(int("last_seen_at"))
                .col(int("expires_at"))
                .col(text_null("client"))
                .foreign_key(&mut fk("sessions", "user_id", "users", Cascade))
                .to_owned(),
        )),
        index("sessions_user", "sessions", &["user_id"], false),
        Ddl::Table(Box::new(
            Table::create()
                .table("api_tokens")
                .col(id("id"))
                .col(text("user_id"))
                .col(text("label"))
                .col(ColumnDef::new("token_hash").text().not_null().unique_key())
                .col(int("created_at"))
                .col(int_null("expires_at"))
                .col(int_null("revoked_at"))
                .col(int_null("last_used_at"))
                .foreign_key(&mut fk("api_tokens", "user_id", "users", Cascade))
                .to_owned(),
        )),
        index("api_tokens_user", "api_tokens", &["user_id"], false),
        Ddl::Table(Box::new(
            Table::create()
                .table("audit_log")
                .col(ColumnDef::new("seq").big_integer().not_null().primary_key())
                .col(text("id"))
                .col(int("at"))
                .col(text_null("actor_user_id"))
                .col(text_null("actor_org_id"))
                .col(text("action"))
                .col(text_null("object_type"))
                .col(text_null("object_id"))
                .col(text_null("request_id"))
                .col(text_null("detail"))
                .col(text("prev_mac"))
                .col(text("mac"))
                .to_owned(),
        )),
        index("audit_log_at", "audit_log", &["at"], false),
        index(
            "audit_log_actor",
            "audit_log",
            &["actor_user_id", "at"],
            false,
        ),
        index(
            "audit_log_object",
            "audit_log",
            &["object_type", "object_id"],
            false,
        ),
        Ddl::Table(Box::new(
            Table::create()
                .table("settings")
                .col(ColumnDef::new("key").text().not_null().primary_key())
                .col(text("value"))
                .col(int("updated_at"))
                .to_owned(),
        )),
    ]
}

/// PostgreSQL advisory-lock key for migrations ("yoldash" in ASCII, truncated to fit).
const MIGRATION_LOCK: i64 = 0x796f_6c64_6173;

/// Applies every migration not yet applied. Several servers starting at once against one
/// PostgreSQL serialise on an advisory lock; on SQLite each migration runs in a
/// `BEGIN IMMEDIATE` transaction, which takes the database's write lock. Either way the
/// "already applied?" check happens under the lock, so no migration runs twice.
pub async fn run(db: &Database) -> Result<i64, StoreError> {
    let mut conn = db.pool.acquire().await?;
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .await?;
    if db.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    let result = apply_pending(db.backend, &mut conn).await;
    if db.backend == Backend::Postgres {
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(MIGRATION_LOCK)
            .execute(&mut *conn)
            .await?;
    }
    if db.backend == Backend::Sqlite && result.is_ok() {
        // The planner's statistics (PostgreSQL keeps its own): without them SQLite may sort a
        // whole organisation's cases instead of reading the list's index in order. A
        // sampled analysis takes milliseconds even at 100,000 cases.
        conn.execute("PRAGMA analysis_limit = 400").await?;
        conn.execute("ANALYZE").await?;
    }
    result
}

async fn apply_pending(
    backend: Backend,
    conn: &mut sqlx::pool::PoolConnection<sqlx::Any>,
) -> Result<i64, StoreError> {
    let mut level = 0;
    for m in migrations() {
        let begin = match backend {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        conn.execute(begin).await?;
        let step = async {
            let done: Option<i64> =
                sqlx::query_scalar("SELECT version FROM schema_migrations WHERE version = $1")
                    .bind(m.version)
                    .fetch_optional(&mut **conn)
                    .await?;
            if done.is_none() {
                for ddl in (m.build)() {
                    conn.execute(sqlx::AssertSqlSafe(ddl.render(backend)))
                        .await?;
                }
                sqlx::query(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                )
                .bind(m.version)
                .bind(m.name)
                .bind(now_micros())
                .execute(&mut **conn)
                .await?;
                tracing::info!(version = m.version, name = m.name, "migration applied");
            }
            Ok::<(), sqlx::Error>(())
        }
        .await;
        match step {
            Ok(()) => {
                conn.execute("COMMIT").await?;
                level = m.version;
            }
            Err(e) => {
                conn.execute("ROLLBACK").await.ok();
                return Err(e.into());
            }
        }
    }
    Ok(level)
}

/// The newest migration applied to this database (0 when none).
pub async fn current_level(db: &Database) -> Result<i64, StoreError> {
    let row = sqlx::query("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")
        .fetch_one(&db.pool)
        .await?;
    Ok(row.try_get::<i64, _>("v")?)
}
