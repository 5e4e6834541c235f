//! The `yoldash` binary: parses the command line and hands over to `commands`.

mod bench;
mod bench_cases;
mod cli;
mod commands;
mod context;
mod data_lock;
mod demo;

use clap::Parser;
use cli::{Cli, Command};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("YOLDASH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => std::process::ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Serve { data, serve } => commands::serve(&data, &serve).await?,
        Command::Demo { data, serve } => commands::demo(&data, &serve).await?,
        Command::Migrate { data } => commands::migrate(&data).await?,
        Command::Org { command } => commands::org(&command).await?,
        Command::User { command } => commands::user(&command).await?,
        Command::Token { command } => commands::token(&command).await?,
        Command::Audit { command } => return Ok(commands::audit(&command).await? as u8),
        Command::Key { command } => commands::key(&command).await?,
        Command::Backup {
            data,
            out,
            passphrase_file,
        } => commands::backup(&data, &out, passphrase_file.as_deref()).await?,
        Command::Restore {
            file,
            data,
            passphrase_file,
        } => commands::restore(&file, &data, passphrase_file.as_deref()).await?,
        Command::Bench { command } => bench::run(&command).await?,
    }
    Ok(0)
}
