//! The command line: every administrative job, each flag also readable from a `YOLDASH_…` variable.

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "yoldash",
    version,
    about = "Yoldash: case management, referral, registers, indicators and National Action Plan monitoring for counter-trafficking work."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// Where the data lives. Every command that touches data takes these.
#[derive(Args, Debug, Clone)]
pub struct DataArgs {
    /// Data directory: the SQLite database (unless --database-url is given), the key file
    /// and the audit head file. Created, owner-only, by `serve`, `demo` and `migrate` (with a
    /// key file only for a database without data); every other command needs it to exist.
    #[arg(long, env = "YOLDASH_DATA_DIR", default_value = "yoldash-data")]
    pub data_dir: PathBuf,
    /// Database URL: `postgres://user:pass@host/db` for PostgreSQL; default is SQLite in
    /// DATA_DIR/yoldash.db.
    #[arg(long, env = "YOLDASH_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// The key file (default DATA_DIR/yoldash.keys). Keep it out of the database's backups.
    #[arg(long, env = "YOLDASH_KEY_FILE")]
    pub key_file: Option<PathBuf>,
    /// A file holding the passphrase that protects the key file (or set
    /// YOLDASH_KEY_PASSPHRASE). When the key file is created with a passphrase, the same
    /// passphrase is needed at every start.
    #[arg(long, env = "YOLDASH_KEY_PASSPHRASE_FILE")]
    pub key_passphrase_file: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, env = "YOLDASH_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// The address users reach the server at, e.g. `https://yoldash.example.tm` (the root of
    /// a host). An `https://` URL turns on Secure `__Host-` cookies and
    /// Strict-Transport-Security.
    #[arg(long, env = "YOLDASH_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Believe X-Forwarded-For for the client address (only behind a reverse proxy that sets it).
    #[arg(long, env = "YOLDASH_TRUSTED_PROXY", default_value_t = false)]
    pub trusted_proxy: bool,
}

/// The flags of `yoldash demo`.
#[derive(Args, Debug, Clone)]
pub struct DemoArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// How many synthetic cases to create (made up, reproducible: a fixed seed), spread
    /// over the demo organisations. Only when those organisations have no cases yet.
    #[arg(long, env = "YOLDASH_DEMO_CASES", default_value_t = 300,
          value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub cases: u32,
    /// Create the demo data, print what was made and exit instead of serving.
    #[arg(long, env = "YOLDASH_DEMO_NO_SERVE", default_value_t = false)]
    pub no_serve: bool,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server (migrations run first).
    Serve {
        #[command(flatten)]
        data: DataArgs,
        #[command(flatten)]
        serve: ServeArgs,
    },
    /// First run: create the data directory, reference data, demo organisations, accounts
    /// for every role (passwords in DATA_DIR/demo-accounts.txt) and synthetic cases, then
    /// serve. Later runs keep the data.
    Demo {
        #[command(flatten)]
        data: DataArgs,
        /// Where to serve, how many synthetic cases, whether to serve at all.
        #[command(flatten)]
        serve: DemoArgs,
    },
    /// Apply database migrations and exit (setting up a new deployment if there is none).
    Migrate {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Organisations.
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// User accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Encryption keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Write an encrypted backup (SQLite) of the database and the key ring, while the server runs.
    Backup {
        #[command(flatten)]
        data: DataArgs,
        /// The backup file to write.
        #[arg(long)]
        out: PathBuf,
        /// File holding the backup passphrase (or set YOLDASH_BACKUP_PASSPHRASE).
        #[arg(long, env = "YOLDASH_BACKUP_PASSPHRASE_FILE")]
        passphrase_file: Option<PathBuf>,
    },
    /// Measure pages on synthetic data, in a temporary data directory unless --data-dir is
    /// given; the database must hold no accounts yet. Build with --release first.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Restore a backup into an empty data directory.
    Restore {
        /// The backup file.
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
        /// File holding the backup passphrase (or set YOLDASH_BACKUP_PASSPHRASE).
        #[arg(long, env = "YOLDASH_BACKUP_PASSPHRASE_FILE")]
        passphrase_file: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum OrgCommand {
    /// Create an organisation.
    Create {
        #[command(flatten)]
        data: DataArgs,
        /// Short code, e.g. MOI or NGO-ASHGABAT-1.
        #[arg(long)]
        code: String,
        /// English name (names in other languages: --name-ru, --name-tk).
        #[arg(long)]
        name: String,
        #[arg(long)]
        name_ru: Option<String>,
        #[arg(long)]
        name_tk: Option<String>,
        /// government_agency, public_association, international_organisation or service_provider.
        #[arg(long = "type")]
        org_type: String,
        /// Region code from the region list.
        #[arg(long)]
        region: Option<String>,
    },
    /// List organisations.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Deactivate an organisation: its users can no longer sign in, its tokens stop working.
    /// Refused for the last organisation with an active system administrator.
    Deactivate {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        code: String,
    },
    /// Activate an organisation again: its users can sign in, its tokens work again.
    Activate {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        code: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input.
    Create {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Organisation code.
        #[arg(long)]
        org: String,
        /// One or more roles, comma-separated: admin, org_admin, secretariat, supervisor,
        /// case_worker, service_provider, hotline_operator, me_officer, viewer.
        #[arg(long)]
        role: String,
        /// en, ru or tk.
        #[arg(long, default_value = "en")]
        language: String,
        /// Read the password from standard input (required: passwords never go on the command line).
        #[arg(long)]
        password_stdin: bool,
        /// Make the user choose a new password at first sign-in.
        #[arg(long)]
        must_change: bool,
    },
    /// List accounts.
    List {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Disable an account: sessions and tokens are revoked.
    Disable {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        email: String,
    },
    /// Set a new password (read from standard input) that the user must change at next sign-in.
    ResetPassword {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        email: String,
        /// Read the new password from standard input (required).
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create an API token for a user; it is printed once and only its hash is stored.
    Create {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        email: String,
        /// What the token is for, e.g. "DHIS2 sync".
        #[arg(long)]
        label: String,
        /// Days until it expires (1–3650); without it the token does not expire.
        #[arg(long)]
        expires_in: Option<i64>,
    },
    /// Revoke a token by its id (see `token list`).
    Revoke {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        id: String,
    },
    /// List tokens (never their values).
    List {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// Walk the audit chain; exit 1 naming the first entry altered, removed or reordered (or
    /// saying that the key file is not this database's).
    Verify {
        #[command(flatten)]
        data: DataArgs,
    },
}

#[derive(Subcommand, Debug)]
pub enum KeyCommand {
    /// Add a new data key, re-encrypt every encrypted value under it, retire the old ones.
    /// Stop the server first, or restart it afterwards so that it loads the new key.
    Rotate {
        #[command(flatten)]
        data: DataArgs,
    },
    /// Recreate the key file from a sealed export (after restoring a pg_dump backup).
    Import {
        /// The sealed key ring written by `key export`.
        file: PathBuf,
        #[command(flatten)]
        data: DataArgs,
        /// File holding the passphrase it was sealed with (or set YOLDASH_BACKUP_PASSPHRASE).
        #[arg(long, env = "YOLDASH_BACKUP_PASSPHRASE_FILE")]
        passphrase_file: Option<PathBuf>,
    },
    /// Write the key ring, sealed with a passphrase, for a PostgreSQL backup made with pg_dump.
    Export {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        out: PathBuf,
        /// File holding the passphrase (or set YOLDASH_BACKUP_PASSPHRASE).
        #[arg(long, env = "YOLDASH_BACKUP_PASSPHRASE_FILE")]
        passphrase_file: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub enum BenchCommand {
    /// Fill the audit log with synthetic entries, start the application in-process, and
    /// time the audit log pages, the unusual-events page and the CSV export over loopback.
    AuditPage {
        #[command(flatten)]
        data: DataArgs,
        /// How many synthetic audit entries to add (spread over 90 days).
        #[arg(long, default_value_t = 100_000)]
        entries: usize,
        /// Timed requests per page (the CSV export gets at most 5).
        #[arg(long, default_value_t = 200)]
        requests: usize,
    },
    /// Seed the demo deployment with synthetic cases (or reuse one already seeded in
    /// `--data-dir`), start the application in-process, and time the case list and case
    /// pages under concurrent clients over loopback.
    Cases {
        #[command(flatten)]
        data: DataArgs,
        /// How many synthetic cases the deployment should hold.
        #[arg(long, default_value_t = 100_000)]
        cases: u32,
        /// Concurrent clients, each signed in as a supervisor of a case-handling organisation.
        #[arg(long, default_value_t = 20)]
        clients: usize,
        /// Timed requests in all (spread over the clients and the page kinds).
        #[arg(long, default_value_t = 2_000)]
        requests: usize,
        /// Untimed requests first, in all, of the same mix: they bring the database's pages
        /// into memory, as on a server that has been running for a while. With SQLite, the
        /// database file is also read once beforehand (not with 0).
        #[arg(long, default_value_t = 1_000)]
        warmup: usize,
    },
}
