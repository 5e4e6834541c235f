//! Browser tests: Debian's chromium driven through chromedriver (named by
//! `YOLDASH_TEST_CHROMEDRIVER`), one browser at a time, screenshots under `target/e2e/`.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use thirtyfour::ChromiumLikeCapabilities;
use thirtyfour::prelude::*;

/// The chromedriver binary, if browser tests are to run.
pub fn chromedriver() -> Option<String> {
    std::env::var("YOLDASH_TEST_CHROMEDRIVER")
        .ok()
        .filter(|s| !s.is_empty())
}

/// Browser tests run one at a time (two cores; chromium is heavy).
pub static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Where screenshots go: `target/e2e/` of the workspace.
pub fn screenshot_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/e2e");
    std::fs::create_dir_all(&dir).expect("create target/e2e");
    dir
}

/// A running chromedriver and a headless chromium session; both end when dropped.
pub struct Browser {
    pub driver: WebDriver,
    chromedriver: Child,
    _profile: tempfile::TempDir,
}

impl Browser {
    pub async fn start(driver_bin: &str) -> Browser {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
            l.local_addr().unwrap().port()
        };
        let chromedriver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        // Wait until it accepts connections.
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let mut caps = DesiredCapabilities::chrome();
        let binary =
            std::env::var("YOLDASH_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
        caps.set_binary(&binary).unwrap();
        for arg in [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
            "--window-size=1280,900",
            "--lang=en",
        ] {
            caps.add_arg(arg).unwrap();
        }
        caps.add_arg(&format!("--user-data-dir={}", profile.path().display()))
            .unwrap();
        let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps)
            .await
            .expect("start a chromium session");
        Browser {
            driver,
            chromedriver,
            _profile: profile,
        }
    }

    /// Saves a screenshot as `target/e2e/NAME.png` and returns its path.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let path = screenshot_dir().join(format!("{name}.png"));
        self.driver.screenshot(&path).await.expect("screenshot");
        path
    }

    pub async fn quit(mut self) {
        let driver = self.driver.clone();
        let _ = driver.quit().await;
        let _ = self.chromedriver.kill();
        let _ = self.chromedriver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.chromedriver.kill();
    }
}

pub async fn fill(d: &WebDriver, css: &str, text: &str) {
    let e = d
        .query(By::Css(css))
        .first()
        .await
        .unwrap_or_else(|_| panic!("no {css}"));
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

pub async fn click(d: &WebDriver, css: &str) {
    d.query(By::Css(css))
        .first()
        .await
        .unwrap_or_else(|_| panic!("no {css}"))
        .click()
        .await
        .unwrap();
}

/// Waits for an element and returns its text.
pub async fn text_of(d: &WebDriver, css: &str) -> String {
    d.query(By::Css(css))
        .first()
        .await
        .unwrap_or_else(|_| panic!("no {css}"))
        .text()
        .await
        .unwrap()
}

/// Waits until the page's `<html lang>` and some text show the expected language.
pub async fn wait_for_text(d: &WebDriver, needle: &str) {
    for _ in 0..100 {
        if d.source().await.unwrap().contains(needle) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "the page never showed {needle:?}: {}",
        d.source().await.unwrap()
    );
}
