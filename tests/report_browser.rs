//! The HTML reports of `journeyc simulate` in a real browser: headless Chromium lays out every
//! example's report and a `--compare` page of fixed simulations at 360 px (a phone) and 1280 px,
//! and a script in the harness page checks that no piece of text overlaps another or runs under
//! a bar, nothing overflows the viewport sideways (wide tables scroll inside their own box), and
//! the page asked for nothing from the network (no resource was fetched, no attribute or style
//! points outside the page, and its Content-Security-Policy is `default-src 'none'`).
//!
//! A control page with overlapping text, text under a bar, a too-wide box and an external image
//! goes through the same checks, which must find all four: a checker that finds nothing fails
//! the test.
//!
//! Chromium cannot make a window narrower than 500 px, so each page is loaded in an iframe of
//! the width under test, in one browser run (`--allow-file-access-from-files` lets the harness
//! read the frames). Without Chromium the test is skipped, except under `CI`, where `.ci/run`
//! installs it (Debian's `chromium` package) and the test fails; the file has
//! `harness = false` (`tests/tool_runner` runs it).

use std::path::{Path, PathBuf};
use std::process::Command;

mod tool_runner;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const WIDTHS: [u32; 2] = [360, 1280];

/// The first Chromium on the PATH.
fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|c| {
            Command::new(c)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
}

fn journeyc(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the journeyc binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The checks, run in the harness once every frame has loaded; the verdicts go into
/// `<pre id="result">` as JSON, which `--dump-dom` prints.
const CHECK: &str = r#"
function check(frame) {
  const w = frame.contentWindow, d = frame.contentDocument;
  const out = {page: frame.dataset.page, width: +frame.dataset.width, inner: w.innerWidth,
    scroll: d.documentElement.scrollWidth, overlaps: [], overflow: [], urls: [],
    resources: w.performance.getEntriesByType('resource').map(e => e.name), csp: '', texts: 0};
  const meta = d.querySelector('meta[http-equiv="Content-Security-Policy"]');
  out.csp = meta ? meta.content : '';
  const boxes = [];
  const walker = d.createTreeWalker(d.body, NodeFilter.SHOW_TEXT);
  let n;
  while ((n = walker.nextNode())) {
    const text = n.textContent.trim();
    const el = n.parentElement;
    if (!text || !el || el.closest('title')) continue;
    let rects;
    if (el instanceof w.SVGElement) {
      rects = [el.getBoundingClientRect()];
    } else {
      const r = d.createRange();
      r.selectNodeContents(n);
      rects = Array.from(r.getClientRects());
    }
    const scrolled = !!el.closest('.scroll');
    for (const r of rects) {
      if (r.width > 0.5 && r.height > 0.5) boxes.push({text, r, n, scrolled});
    }
  }
  out.texts = boxes.length;
  boxes.sort((a, b) => a.r.top - b.r.top);
  for (let i = 0; i < boxes.length; i++) {
    const a = boxes[i];
    for (let j = i + 1; j < boxes.length && boxes[j].r.top < a.r.bottom - 1; j++) {
      const b = boxes[j];
      if (a.n === b.n) continue;
      const x = Math.min(a.r.right, b.r.right) - Math.max(a.r.left, b.r.left);
      const y = Math.min(a.r.bottom, b.r.bottom) - Math.max(a.r.top, b.r.top);
      if (x > 1 && y > 1) out.overlaps.push([a.text.slice(0, 60), b.text.slice(0, 60)]);
    }
    if (!a.scrolled && (a.r.right > w.innerWidth + 0.5 || a.r.left < -0.5)) {
      out.overflow.push(a.text.slice(0, 60));
    }
  }
  // `url(#id)` names an element of the page itself (an arrowhead); any other url() loads.
  // No text runs under a bar (the old report drew long labels under its bars).
  const bars = Array.from(d.querySelectorAll('svg.bar')).map(b => b.getBoundingClientRect());
  out.under = [];
  for (const a of boxes) {
    if (a.n.parentElement instanceof w.SVGElement) continue;
    for (const r of bars) {
      const x = Math.min(a.r.right, r.right) - Math.max(a.r.left, r.left);
      const y = Math.min(a.r.bottom, r.bottom) - Math.max(a.r.top, r.top);
      if (x > 1 && y > 1) { out.under.push(a.text.slice(0, 60)); break; }
    }
  }
  const external = /^\s*(https?:|\/\/|ftp:)|url\((?!\s*['"]?#)|@import/i;
  for (const el of d.querySelectorAll('*')) {
    for (const a of el.attributes) {
      if (a.name === 'xmlns' || a.name.startsWith('xmlns:')) continue;
      if (external.test(a.value)) out.urls.push(el.tagName + ' ' + a.name + '=' + a.value);
    }
  }
  for (const s of d.styleSheets) {
    for (const r of s.cssRules) {
      if (/url\((?!\s*['"]?#)|@import/i.test(r.cssText)) out.urls.push('css: ' + r.cssText.slice(0, 80));
    }
  }
  return out;
}
addEventListener('load', () => setTimeout(() => {
  const res = Array.from(document.querySelectorAll('iframe')).map(check);
  document.getElementById('result').textContent = JSON.stringify(res);
}, 200));
"#;

/// A page the checks must fault: two texts on top of each other, a box wider than any screen,
/// and an image from the network (its CSP stops the request from leaving).
const CONTROL: &str = "<!DOCTYPE html><html><head><meta charset=\"utf-8\">\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\"></head><body>\
<p style=\"position:relative\"><span>overlapping one</span>\
<span style=\"position:absolute;left:0;top:0\">overlapping two</span></p>\
<div style=\"width:3000px;text-align:right\">far too wide</div><div style=\"position:relative\"><svg class=\"bar\" width=\"200\" height=\"20\"></svg>\
<span style=\"position:absolute;left:0;top:0\">under a bar</span></div><img src=\"http://192.0.2.1/x.png\" alt=\"\">\
</body></html>";

fn harness(dir: &Path, pages: &[&str]) -> PathBuf {
    let mut frames = String::new();
    for page in pages {
        for w in WIDTHS {
            frames.push_str(&format!(
                "<iframe src=\"{page}\" data-page=\"{page}\" data-width=\"{w}\" \
                 style=\"display:block;border:0;width:{w}px;height:900px\"></iframe>"
            ));
        }
    }
    let html = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><script>{CHECK}</script></head>\
         <body style=\"margin:0\">{frames}<pre id=\"result\"></pre></body></html>"
    );
    let path = dir.join("harness.html");
    std::fs::write(&path, html).expect("the harness is written");
    path
}

/// The checks' verdicts, one per frame.
fn run_browser(chromium: &str, dir: &Path, harness: &Path) -> Vec<serde_json::Value> {
    let out = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--allow-file-access-from-files",
            "--virtual-time-budget=10000",
            "--window-size=1320,1000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .arg(format!("file://{}", harness.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    let start = dom
        .find("<pre id=\"result\">")
        .map(|i| i + "<pre id=\"result\">".len());
    let json = start
        .and_then(|s| dom[s..].find("</pre>").map(|e| &dom[s..s + e]))
        .unwrap_or_default()
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| {
        panic!(
            "no verdicts from chromium ({e}):\n{}\n{}",
            dom,
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn list(v: &serde_json::Value, key: &str) -> Vec<String> {
    v[key]
        .as_array()
        .map(|a| a.iter().map(|x| x.to_string()).collect())
        .unwrap_or_default()
}

fn reports_read_well_at_any_width_and_load_nothing() -> Result<(), tool_runner::Skip> {
    let Some(chromium) = chromium() else {
        return Err(tool_runner::Skip(
            "chromium is not installed: to run it, `apt-get install chromium` (what .ci/run does)"
                .into(),
        ));
    };
    let dir = tempfile::tempdir().expect("a temp dir");
    let after = dir.path().join("after.journey");
    let source = std::fs::read_to_string(root().join("examples/saas_trial.journey"))
        .expect("the example is readable");
    let edited = source.replace("      send activation_nudge\n", "");
    assert_ne!(source, edited);
    std::fs::write(&after, edited).expect("writable");
    // The same journey with customers in three zones and local quiet hours: the page's section
    // on time zones (a long zone name among them).
    let zoned = source
        .replacen("customer {", "customer {\n  tz: timezone = \"UTC\"", 1)
        .replace("quiet 21:00..08:00 }", "quiet 21:00..08:00 local }")
        .replacen(
            "  population {\n",
            "  population {\n    tz = \"Asia/Tokyo\" 40% | \"America/Argentina/Buenos_Aires\" 35% | \"Europe/Berlin\" 25%\n",
            1,
        );
    assert!(zoned.contains("local }") && zoned.contains("Buenos_Aires"));
    let zoned_path = dir.path().join("zones.journey");
    std::fs::write(&zoned_path, zoned).expect("writable");
    std::fs::write(dir.path().join("control.html"), CONTROL).expect("writable");
    let fixed = ["--customers", "3000", "--seed", "7", "--threads", "2"];
    // Every example's report (one of them several journeys together, one with `goto`), and the
    // compare page of an edit.
    let mut runs: Vec<(String, Vec<String>)> = [
        "saas_trial",
        "b2b_onboarding",
        "ecommerce_order",
        "subscription_winback",
        "one_customer",
    ]
    .iter()
    .map(|name| {
        (
            format!("{name}.html"),
            vec![format!("examples/{name}.journey")],
        )
    })
    .collect();
    runs.push((
        "zones.html".into(),
        vec![zoned_path.to_string_lossy().into_owned()],
    ));
    runs.push((
        "compare.html".into(),
        vec![
            "examples/saas_trial.journey".into(),
            "--compare".into(),
            after.to_string_lossy().into_owned(),
        ],
    ));
    let mut pages: Vec<&str> = Vec::new();
    for (page, args) in &runs {
        let out = dir.path().join(page).to_string_lossy().into_owned();
        let mut all: Vec<&str> = vec!["simulate"];
        all.extend(args.iter().map(String::as_str));
        all.extend(fixed);
        all.extend(["--html", &out]);
        journeyc(&all);
        pages.push(page);
    }
    pages.push("control.html");
    let harness = harness(dir.path(), &pages);
    let verdicts = run_browser(chromium, dir.path(), &harness);
    assert_eq!(verdicts.len(), pages.len() * WIDTHS.len(), "{verdicts:?}");
    let mut problems = Vec::new();
    for v in &verdicts {
        let page = v["page"].as_str().unwrap_or("?");
        let width = v["width"].as_u64().unwrap_or(0);
        let at = format!("{page} at {width} px");
        assert_eq!(v["inner"].as_u64(), Some(width), "{at}: the frame's width");
        assert!(v["texts"].as_u64() > Some(2), "{at}: no text was measured");
        let (overlaps, under, overflow, urls, resources) = (
            list(v, "overlaps"),
            list(v, "under"),
            list(v, "overflow"),
            list(v, "urls"),
            list(v, "resources"),
        );
        let wide = v["scroll"].as_u64() > v["inner"].as_u64();
        if page == "control.html" {
            // The checker must see what is wrong with the control page.
            assert!(!overlaps.is_empty(), "{at}: the overlap went unseen: {v}");
            assert!(
                !under.is_empty(),
                "{at}: the text under a bar went unseen: {v}"
            );
            assert!(
                wide && !overflow.is_empty(),
                "{at}: the overflow went unseen: {v}"
            );
            assert!(
                !urls.is_empty(),
                "{at}: the external image went unseen: {v}"
            );
            assert!(!resources.is_empty(), "{at}: the request went unseen: {v}");
            continue;
        }
        assert!(
            v["csp"]
                .as_str()
                .is_some_and(|c| c.contains("default-src 'none'")),
            "{at}: the page's CSP does not forbid loading: {v}"
        );
        if !overlaps.is_empty() {
            problems.push(format!("{at}: overlapping text: {}", overlaps.join(", ")));
        }
        if !under.is_empty() {
            problems.push(format!("{at}: text under a bar: {}", under.join(", ")));
        }
        if wide || !overflow.is_empty() {
            problems.push(format!(
                "{at}: wider than the window ({} px): {}",
                v["scroll"],
                overflow.join(", ")
            ));
        }
        if !urls.is_empty() || !resources.is_empty() {
            problems.push(format!(
                "{at}: points outside the page: {} {}",
                urls.join(", "),
                resources.join(", ")
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    Ok(())
}

tool_runner::tool_tests![reports_read_well_at_any_width_and_load_nothing];
