//! End-to-end: the web page served by a real HTTP server over the sample bank, driven in a real
//! headless Chromium (Debian's chromium + chromium-driver, installed by scripts/setup-browser).
//! It types a question, applies a competitor filter, checks the quote cards are anonymized,
//! copies a quote, opens similar deals, follows a shared link, shows an API error, and takes
//! the README's screenshots (into $STORYBANK_SCREENSHOTS, default target/screenshots).

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::common::webdriver::{Browser, ENTER, browser_binaries};
use crate::common::{pii_leaks, pii_strings, sample_dir, shared};

/// Serves the router on a free loopback port from a background runtime; returns the base URL.
fn serve(bank: Arc<storybank::Storybank>) -> String {
    serve_router(storybank::api::router(bank))
}

fn serve_router(router: axum::Router) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            axum::serve(listener, router).await.unwrap();
        });
    });
    format!("http://{addr}")
}

fn screenshots_dir() -> PathBuf {
    std::env::var_os("STORYBANK_SCREENSHOTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots"))
}

fn card_deals(browser: &Browser) -> Vec<String> {
    let ids = browser.script(
        "return [...document.querySelectorAll('#results .card')].map(c => c.dataset.dealId)",
        json!([]),
    );
    ids.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

fn page_text(browser: &Browser) -> String {
    browser.script("return document.body.innerText", json!([])).as_str().unwrap().to_string()
}

#[test]
fn web_page_end_to_end_in_headless_chromium() {
    let Some((driver, chromium)) = browser_binaries() else {
        if std::env::var_os("STORYBANK_SKIP_BROWSER").is_some() {
            eprintln!("skipped: chromium/chromedriver not installed (STORYBANK_SKIP_BROWSER set)");
            return;
        }
        panic!(
            "chromium and chromedriver are needed for the end-to-end test: run scripts/setup-browser \
             (the README's test command does), or set STORYBANK_SKIP_BROWSER=1 to skip it"
        );
    };
    let bank = shared().bank.clone();
    let tallyfold: HashSet<String> = bank
        .deals()
        .unwrap()
        .into_iter()
        .filter(|deal| deal.info.competitors.iter().any(|c| c == "Tallyfold"))
        .map(|deal| deal.deal_id)
        .collect();
    assert!(!tallyfold.is_empty());
    let pii = pii_strings(&sample_dir());
    let base = serve(bank);
    let shots = screenshots_dir();
    let browser = Browser::start(&driver, &chromium);

    // Load: facets become filter chips; nothing fails in the console.
    browser.goto(&format!("{base}/"));
    browser.wait_for("the page to start", "return document.body.dataset.ready === 'true'");
    browser.wait_for(
        "competitor chips",
        "return document.querySelector(\"#filters .chip[data-key='competitor'][data-value='Tallyfold']\")",
    );

    // `/` focuses the search box; typing a question and Enter searches.
    browser.script("document.activeElement.blur()", json!([]));
    browser.press("/");
    let focused = browser.script("return document.activeElement.id", json!([]));
    assert_eq!(focused, "q", "`/` should focus the search box");
    browser.type_into("#q", &format!("why do we lose to tallyfold?{ENTER}"));
    browser.wait_for("quote cards", "return document.querySelectorAll('#results .card').length");
    assert!(browser.url().contains("q=why+do+we+lose+to+tallyfold"), "URL: {}", browser.url());

    // The competitor chip narrows the cards to that competitor's deals and lands in the URL.
    browser.click("#filters .chip[data-key='competitor'][data-value='Tallyfold']");
    browser.wait_for(
        "filtered cards",
        "return location.search.includes('competitor=Tallyfold') && \
         !document.querySelector('#results').hasAttribute('aria-busy') && \
         document.querySelectorAll('#results .card').length",
    );
    let deals = card_deals(&browser);
    assert!(!deals.is_empty());
    assert!(deals.iter().all(|d| tallyfold.contains(d)), "{deals:?} not all vs Tallyfold");
    let pressed = browser.script(
        "return document.querySelector(\"#filters .chip[data-value='Tallyfold']\").getAttribute('aria-pressed')",
        json!([]),
    );
    assert_eq!(pressed, "true");

    // The answer panel sums up the themes with counts over the deals in scope.
    let answer = browser.wait_for(
        "the answer panel",
        "const a = document.querySelector('#answer'); return !a.hidden && a.innerText",
    );
    let answer = answer.as_str().unwrap();
    assert!(answer.contains("What buyers say") && answer.contains(" of "), "{answer}");

    // Cards are anonymized, carry attribution and highlight the query's words.
    let text = page_text(&browser);
    assert!(pii_leaks(&text, &pii).is_empty(), "PII on the page: {:?}", pii_leaks(&text, &pii));
    let first = browser.script(
        "const c = document.querySelector('#results .card'); return {text: c.querySelector('blockquote').innerText, \
         attribution: c.querySelector('.attribution').innerText, marks: document.querySelectorAll('#results mark').length}",
        json!([]),
    );
    assert!(first["attribution"].as_str().unwrap().contains("Tallyfold"), "{first}");
    assert!(first["marks"].as_u64().unwrap() > 0, "no highlighted words: {first}");
    browser.screenshot(&shots.join("search-desktop.png"));

    // The interviewer question is there on demand.
    let has_question = browser.script(
        "return [...document.querySelectorAll('#results .card details summary')].length",
        json!([]),
    );
    assert!(has_question.as_u64().unwrap() > 0, "no card shows its interviewer question");

    // Copy puts the quote and its attribution line on the clipboard.
    browser.grant("clipboard-read");
    browser.grant("clipboard-write");
    browser.click("#results .card .copy");
    browser.wait_for(
        "copied state",
        "return document.querySelector('#results .card .copy').dataset.copied",
    );
    let clipboard =
        browser.script_async("const done = arguments[0]; navigator.clipboard.readText().then(done, e => done('ERR ' + e))");
    let clipboard = clipboard.as_str().unwrap();
    let quote = first["text"].as_str().unwrap();
    assert!(
        clipboard.contains(quote.trim_matches(['\u{201C}', '\u{201D}'])),
        "clipboard: {clipboard}"
    );
    assert!(
        clipboard.contains("Tallyfold") && clipboard.contains("(deal "),
        "clipboard: {clipboard}"
    );

    // "Add to pack" on the card saves it as a story in a new pack, with a note.
    browser.click("#results .card .add-pack");
    browser.wait_for("the pack dialog", "return document.querySelector('#pack-dialog').open");
    browser.type_into("#pack-new", "Tallyfold objections");
    browser.type_into("#story-notes", "Use in week-2 coaching");
    browser.click("#pack-save");
    let pack_id = browser.wait_for("the story saved", "return document.body.dataset.lastPack");
    let pack_id = pack_id.as_str().unwrap().to_string();

    // "More like this deal" opens the similar-deals view for that deal.
    let source_deal = card_deals(&browser)[0].clone();
    browser.click("#results .card .more");
    browser.wait_for(
        "similar deals",
        "return document.querySelectorAll('#similar-results .deal').length",
    );
    let similar = browser.script(
        "return [...document.querySelectorAll('#similar-results .deal')].map(d => ({id: d.dataset.dealId, \
         why: d.querySelectorAll('.why li').length, quotes: d.querySelectorAll('.card').length}))",
        json!([]),
    );
    let similar = similar.as_array().unwrap();
    assert!(similar.iter().all(|d| d["id"] != json!(source_deal)), "the deal itself is listed");
    assert!(similar.iter().any(|d| d["why"].as_u64().unwrap() > 0), "no `why` shown: {similar:?}");
    assert!(similar.iter().all(|d| d["quotes"].as_u64().unwrap() > 0), "deals without quotes");
    assert!(browser.url().contains(&format!("deal={source_deal}")));
    let text = page_text(&browser);
    assert!(pii_leaks(&text, &pii).is_empty(), "PII on the page: {:?}", pii_leaks(&text, &pii));
    browser.screenshot(&shots.join("similar-desktop.png"));

    // The packs view lists the pack with the story, its note and export links.
    browser.goto(&format!("{base}/?view=packs"));
    browser.wait_for(
        "the pack",
        &format!("return document.querySelectorAll(\".pack[data-pack-id='{pack_id}'] li\").length"),
    );
    let pack_view = browser.script(
        &format!(
            "const p = document.querySelector(\".pack[data-pack-id='{pack_id}']\"); \
                  return {{text: p.innerText, note: p.querySelector('input').value, \
                  exports: p.querySelectorAll('a[href*=export]').length}}"
        ),
        json!([]),
    );
    assert!(pack_view["text"].as_str().unwrap().contains("Tallyfold objections"), "{pack_view}");
    assert_eq!(pack_view["note"], "Use in week-2 coaching");
    assert_eq!(pack_view["exports"], 3);
    browser.screenshot(&shots.join("packs-desktop.png"));

    // Opening an export link (a GET) records nothing; a click on it records the export with a
    // POST, and the pack's stories stop being "new".
    let pack_el = format!(".pack[data-pack-id='{pack_id}']");
    let new_badges = format!("return document.querySelectorAll(\"{pack_el} .new\").length");
    assert!(browser.script(&new_badges, json!([])).as_u64().unwrap() > 0, "stories start as new");
    browser.script(
        &format!("document.querySelector(\"{pack_el} a[href*='format=md']\").click(); return 0"),
        json!([]),
    );
    browser.wait_for(
        "the export to be recorded",
        &format!(
            "return document.querySelectorAll(\"{pack_el} li\").length > 0 \
             && document.querySelectorAll(\"{pack_el} .new\").length === 0"
        ),
    );

    // Exported HTML pages render in the browser with the expected quotes.
    browser.goto(&format!("{base}/v1/packs/{pack_id}/export?format=html"));
    let text = browser.wait_for(
        "the pack page",
        "return document.querySelector('h1') && document.body.innerText",
    );
    assert!(text.as_str().unwrap().contains("Tallyfold objections"));
    browser.screenshot(&shots.join("pack-export.png"));
    let words: String = quote.trim_matches(['\u{201C}', '\u{201D}']).chars().take(60).collect();
    assert!(text.as_str().unwrap().contains(words.trim()), "pack page misses its quote");
    let evidence = shared().bank.evidence("Tallyfold").unwrap();
    browser.goto(&format!("{base}/v1/competitors/tally%20fold/evidence?format=html"));
    let text = browser.wait_for(
        "the evidence page",
        "return document.querySelector('h1') && document.body.innerText",
    );
    let text = text.as_str().unwrap();
    assert!(text.contains("Battlecard evidence: Tallyfold"));
    browser.screenshot(&shots.join("evidence-export.png"));
    for quote in evidence.newest_quotes.iter().take(2) {
        let words: String = quote.text.chars().take(60).collect();
        assert!(text.contains(words.trim()), "evidence page misses a quote");
    }
    assert!(pii_leaks(text, &pii).is_empty());
    let month = evidence.deals[0].close_date.unwrap().to_string()[..7].to_string();
    let digest = shared().bank.digest(&month).unwrap();
    browser.goto(&format!("{base}/v1/digest?month={month}&format=html"));
    let text = browser.wait_for(
        "the digest page",
        "return document.querySelector('h1') && document.body.innerText",
    );
    let text = text.as_str().unwrap();
    assert!(text.contains(&format!("Win/loss digest: {month}")));
    browser.screenshot(&shots.join("digest-export.png"));
    for theme in digest.top_loss_themes.iter().chain(&digest.top_win_themes) {
        let words: String = theme.examples[0].text.chars().take(60).collect();
        assert!(text.contains(words.trim()), "digest page misses a quote");
    }
    assert!(pii_leaks(text, &pii).is_empty());
    browser.goto(&format!("{base}/"));

    // A shared link reproduces the search; API errors are shown with their code.
    browser.goto(&format!("{base}/?q=onboarding+took+too+long&outcome=lost"));
    browser
        .wait_for("shared-link cards", "return document.querySelectorAll('#results .card').length");
    let outcomes = browser.script(
        "return [...document.querySelectorAll('#results .card .badge')].map(b => b.className)",
        json!([]),
    );
    assert!(
        outcomes.as_array().unwrap().iter().all(|c| c.as_str().unwrap().contains("lost")),
        "{outcomes}"
    );
    browser.goto(&format!("{base}/?q=pricing&after=2025-13-45"));
    let error = browser.wait_for(
        "an error message",
        "const e = document.querySelector('#search-error'); return !e.hidden && e.innerText",
    );
    assert!(error.as_str().unwrap().contains("invalid_request"), "{error}");
    browser.goto(&format!("{base}/?q=zzqx+vvkj+wwpt&outcome=no_decision&segment=enterprise"));
    browser.wait_for(
        "a finished search",
        "return document.querySelector('#search-status').innerText.length > 0 && \
         !document.querySelector('#results').hasAttribute('aria-busy')",
    );

    // Phone width: nothing overflows sideways; screenshots of both views.
    browser.resize(390, 844);
    browser.goto(&format!("{base}/?q=security+review&competitor=Tallyfold"));
    browser.wait_for("phone cards", "return document.querySelectorAll('#results .card').length");
    let overflow = browser.script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
        json!([]),
    );
    assert!(
        overflow.as_i64().unwrap() <= 0,
        "page scrolls sideways at phone width by {overflow}px"
    );
    browser.screenshot(&shots.join("search-phone.png"));
    browser.goto(&format!(
        "{base}/?view=similar&sq=enterprise+healthcare+buyer+worried+about+security"
    ));
    browser.wait_for(
        "phone similar deals",
        "return document.querySelectorAll('#similar-results .deal').length",
    );
    browser.screenshot(&shots.join("similar-phone.png"));

    let errors: Vec<String> = browser
        .console_errors()
        .into_iter()
        // The deliberate bad-date request above answers 400; the browser logs that as SEVERE.
        .filter(|message| !message.contains("400 (Bad Request)"))
        .collect();
    assert!(errors.is_empty(), "console errors: {errors:?}");
}

fn sign_in(browser: &Browser, base: &str, key: &str) {
    browser.goto(&format!("{base}/"));
    browser.wait_for("the sign-in form", "return !document.querySelector('#sign-in').hidden");
    browser.type_into("#api-key", key);
    browser.click("#sign-in-form button[type=submit]");
    browser.wait_for(
        "signed in",
        "return !document.querySelector('#who').hidden && document.body.dataset.ready === 'true'",
    );
}

fn sign_out(browser: &Browser) {
    browser.click("#sign-out");
    browser.wait_for("the sign-in form", "return !document.querySelector('#sign-in').hidden");
}

#[test]
fn a_reader_and_an_admin_sign_in_and_see_what_their_role_allows() {
    let Some((driver, chromium)) = browser_binaries() else {
        if std::env::var_os("STORYBANK_SKIP_BROWSER").is_some() {
            eprintln!("skipped: chromium/chromedriver not installed (STORYBANK_SKIP_BROWSER set)");
            return;
        }
        panic!("chromium and chromedriver are needed: run scripts/setup-browser");
    };
    let dir = tempfile::tempdir().unwrap();
    let mut settings = crate::common::settings(dir.path());
    // The stand-in embedder: this test is about access, and keyword search finds the upload.
    settings.embedder = storybank::config::EmbedderKind::Hashed;
    let bank = Arc::new(storybank::Storybank::open(&settings).unwrap());
    bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
    let reader =
        bank.access().create_key("Rita (sales)", storybank::access::Role::Reader).unwrap().key;
    let admin =
        bank.access().create_key("Sam (revops)", storybank::access::Role::Admin).unwrap().key;
    let pack = bank
        .create_pack(
            storybank::packs::NewPack {
                name: "Objections".into(),
                description: None,
                from_search: None,
            },
            "Sam (revops)",
        )
        .unwrap();
    let quote = bank.deal("S-2001").unwrap().quotes[0].quote_id.clone();
    let new = storybank::packs::NewStory { quote_id: Some(quote), ..Default::default() };
    bank.add_story_to_pack(&pack.pack_id, &new, "Sam (revops)").unwrap();
    let config = storybank::api::auth::AccessConfig { per_minute: None, ..Default::default() };
    let base = serve_router(storybank::api::router_with(bank.clone(), config));
    let shots = screenshots_dir();
    let browser = Browser::start(&driver, &chromium);

    // A reader: quotes, no "Add to pack", no Admin, read-only packs; an edit is refused clearly.
    sign_in(&browser, &base, &reader);
    let who = browser.script("return document.querySelector('#who-name').innerText", json!([]));
    assert_eq!(who, "Rita (sales) (reader)");
    browser.goto(&format!("{base}/?q=pricing"));
    browser.wait_for("reader cards", "return document.querySelectorAll('#results .card').length");
    let controls = browser.script(
        "return {addPack: document.querySelectorAll('.add-pack').length, admin: document.querySelector('#nav-admin').hidden}",
        json!([]),
    );
    assert_eq!(controls, json!({"addPack": 0, "admin": true}), "a reader sees editing controls");
    browser.goto(&format!("{base}/?view=packs"));
    browser.wait_for("the pack", "return document.querySelectorAll('.pack li').length");
    let remove_buttons = browser.script(
        "return [...document.querySelectorAll('.pack button')].filter(b => b.innerText === 'Remove').length",
        json!([]),
    );
    assert_eq!(remove_buttons, 0);
    let refused = browser.script_async(&format!(
        "const done = arguments[arguments.length - 1]; \
         fetch('/v1/packs/{}', {{method: 'PATCH', headers: {{'content-type': 'application/json', \
           authorization: 'Bearer ' + sessionStorage.getItem('storybank-key')}}, body: JSON.stringify({{name: 'x'}})}}) \
         .then(r => r.json().then(b => done({{status: r.status, body: b}})))",
        pack.pack_id
    ));
    assert_eq!(refused["status"], 403, "{refused}");
    assert!(
        refused["body"]["error"]["message"].as_str().unwrap().contains("editor role"),
        "{refused}"
    );
    browser.screenshot(&shots.join("reader-packs.png"));
    sign_out(&browser);

    // An admin: uploads a new deal with its CRM row, finds it, erases a person, reads the audit.
    sign_in(&browser, &base, &admin);
    browser.goto(&format!("{base}/?view=admin"));
    browser.wait_for("the admin view", "return !document.querySelector('#view-admin').hidden && document.querySelector('#nav-admin').hidden === false");
    let header = std::fs::read_to_string(sample_dir().join("deals.csv"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let csv = format!(
        "{header}\nS-3001,Harbourline Freight Ltd,lost,Tallyfold,32000,mid_market,logistics,EMEA,CFO,outbound,proposal,2025-10-02,onboarding,,Dana Whitlock,Marguerite Okonkwo,Ines Calloway\n"
    );
    let transcript = "---\ndeal_id: S-3001\ninterviewer: Ines Calloway\ndate: 2025-10-20\n---\n\n\
[00:00:03] Ines Calloway: What made the difference in the end?\n\n\
[00:00:09] Marguerite Okonkwo (CFO, Harbourline Freight): Honestly the zebra checklist. Tallyfold sent a zebra checklist for onboarding that mapped every step of our freight approvals, and nobody else did anything like it.\n\n\
[00:00:31] Ines Calloway: And pricing?\n\n\
[00:00:35] Marguerite Okonkwo (CFO, Harbourline Freight): Pricing was close enough. The zebra checklist and the onboarding plan decided it for us.\n";
    browser.script(
        "const [csv, text] = arguments; const files = new DataTransfer(); \
         files.items.add(new File([csv], 'deals.csv', {type: 'text/csv'})); \
         files.items.add(new File([text], 'S-3001.txt', {type: 'text/plain'})); \
         document.querySelector('#upload-files').files = files.files; \
         document.querySelector('#upload-form button[type=submit]').click(); return 0",
        json!([csv, transcript]),
    );
    let report = browser.wait_for(
        "the upload report",
        "const t = document.querySelector('#upload-report').innerText; return t.startsWith('Ingested') && t",
    );
    assert!(report.as_str().unwrap().contains("S-3001"), "{report}");
    browser.goto(&format!("{base}/?q=zebra+checklist"));
    browser.wait_for("the uploaded deal's quote", "return [...document.querySelectorAll('#results .card')].some(c => c.dataset.dealId === 'S-3001')");
    let text = page_text(&browser);
    assert!(
        !text.contains("Marguerite") && !text.contains("Harbourline"),
        "the upload is anonymized"
    );
    browser.goto(&format!("{base}/?view=admin"));
    browser.wait_for("the admin view", "return !document.querySelector('#view-admin').hidden");
    browser.type_into("#forget-person", "Marguerite Okonkwo");
    browser.click("#forget-form button[type=submit]");
    let erased = browser.wait_for(
        "the erasure report",
        "return document.querySelector('#forget-report').innerText",
    );
    assert!(erased.as_str().unwrap().starts_with("Erased"), "{erased}");
    let audit = browser.wait_for(
        "both actions in the audit view",
        "const t = document.querySelector('#audit tbody').innerText; return t.includes('/v1/admin/ingest') && t.includes('/v1/admin/forget') && t",
    );
    assert!(audit.as_str().unwrap().contains("Sam (revops)"), "{audit}");
    browser.screenshot(&shots.join("admin.png"));
    // The only console errors are the refused requests this test made on purpose (the first
    // page load before sign-in, and the reader's edit).
    let errors = browser.console_errors();
    let unexpected: Vec<&String> =
        errors.iter().filter(|e| !(e.contains("401") || e.contains("403"))).collect();
    assert!(unexpected.is_empty(), "{errors:?}");
}

#[test]
fn the_insights_inbox_shows_what_the_api_says_and_records_an_action() {
    let Some((driver, chromium)) = browser_binaries() else {
        if std::env::var_os("STORYBANK_SKIP_BROWSER").is_some() {
            eprintln!("skipped: chromium/chromedriver not installed (STORYBANK_SKIP_BROWSER set)");
            return;
        }
        panic!("chromium and chromedriver are needed: run scripts/setup-browser");
    };
    // Its own bank (the real model tags the themes proposals come from): this test writes.
    let dir = tempfile::tempdir().unwrap();
    let bank = Arc::new(storybank::Storybank::open(&crate::common::settings(dir.path())).unwrap());
    bank.ingest_dir(&sample_dir(), &|_| {}).unwrap();
    let query = storybank::program::InsightQuery::default();
    let expected: Vec<String> =
        bank.list_insights(&query).unwrap().insights.into_iter().map(|i| i.insight_id).collect();
    assert!(expected.len() >= 2, "{expected:?}");
    let base = serve(bank.clone());
    let browser = Browser::start(&driver, &chromium);
    browser.goto(&format!("{base}/?view=insights"));
    browser
        .wait_for("insight cards", "return document.querySelectorAll('#insights .insight').length");
    let ids = |browser: &Browser| -> Vec<String> {
        let ids = browser.script(
            "return [...document.querySelectorAll('#insights .insight')].map(c => c.dataset.insightId)",
            json!([]),
        );
        ids.as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
    };
    assert_eq!(ids(&browser), expected, "the page lists what the API lists, in its order");
    let rate = |browser: &Browser| {
        browser.script("return document.querySelector('#overall-rate').innerText", json!([]))
    };
    assert_eq!(rate(&browser), "n/a", "nothing is due yet");

    // Record an action on the first card: it closes, and the rate counts it.
    let first = &expected[0];
    browser.type_into(&format!("[data-insight-id='{first}'] input"), "Battlecard updated");
    browser.click(&format!("[data-insight-id='{first}'] button[value=action]"));
    browser.wait_for(
        "the card to close",
        &format!("return document.querySelector(\"[data-insight-id='{first}']\").dataset.status === 'actioned'"),
    );
    let stored = bank.get_insight(first).unwrap();
    assert_eq!(stored.status, storybank::program::InsightStatus::Actioned);
    assert_eq!(stored.events.last().unwrap().note.as_deref(), Some("Battlecard updated"));
    assert_eq!(rate(&browser), "100%");
    // A dismissal needs a reason: the empty note is refused on the page, nothing is sent.
    let second = &expected[1];
    browser.click(&format!("[data-insight-id='{second}'] button[value=dismiss]"));
    let invalid = browser.script(
        &format!("return document.querySelector(\"[data-insight-id='{second}'] input\").getAttribute('aria-invalid')"),
        json!([]),
    );
    assert_eq!(invalid, "true");
    assert_eq!(bank.get_insight(second).unwrap().status, storybank::program::InsightStatus::Open);

    // An owner's inbox.
    let owner = bank.insight_metrics().unwrap().owners[0].owner.clone();
    let theirs = bank
        .list_insights(&storybank::program::InsightQuery {
            owner: Some(owner.clone()),
            ..Default::default()
        })
        .unwrap()
        .insights
        .len();
    browser.script(
        "const o = document.querySelector('#insights-owner'); o.value = arguments[0]; o.dispatchEvent(new Event('change'));",
        json!([owner]),
    );
    browser.wait_for(
        "the owner's inbox",
        &format!("return document.querySelectorAll('#insights .insight').length === {theirs}"),
    );
    browser.screenshot(&screenshots_dir().join("insights-desktop.png"));
    let errors = browser.console_errors();
    assert!(errors.is_empty(), "{errors:?}");
}

/// The page's way of writing a rate (`Math.round(rate * 100) + "%"`, or `n/a`).
fn percent(rate: &Value) -> String {
    rate.as_f64().map_or("n/a".into(), |r| format!("{}%", (r * 100.0).round()))
}

#[test]
fn the_home_dashboard_and_the_briefing_show_what_the_api_says() {
    let Some((driver, chromium)) = browser_binaries() else {
        if std::env::var_os("STORYBANK_SKIP_BROWSER").is_some() {
            eprintln!("skipped: chromium/chromedriver not installed (STORYBANK_SKIP_BROWSER set)");
            return;
        }
        panic!("chromium and chromedriver are needed: run scripts/setup-browser");
    };
    let bank = shared().bank.clone();
    let expected = serde_json::to_value(
        bank.dashboard(&storybank::dashboard::DashboardQuery::default(), None).unwrap(),
    )
    .unwrap();
    let briefing = bank.briefing(None).unwrap();
    let pii = pii_strings(&sample_dir());
    let base = serve(bank);
    let browser = Browser::start(&driver, &chromium);
    browser.resize(1280, 1400);
    browser.goto(&format!("{base}/"));
    browser.wait_for(
        "the dashboard",
        "return document.querySelector('#dashboard').dataset.ready === 'true'",
    );

    // The headline and every competitor and segment row carry the API's numbers.
    let text = |css: &str| {
        browser
            .script("return document.querySelector(arguments[0]).innerText", json!([css]))
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(text("#dash-overall"), percent(&expected["overall"]["current"]["win_rate"]));
    assert!(text("#dash-title").contains(expected["period"].as_str().unwrap()));
    for (table, rows) in [("#dash-competitors", "by_competitor"), ("#dash-segments", "by_segment")]
    {
        let shown = browser.script(
            "return [...document.querySelectorAll(arguments[0] + ' tr')].map(r => [r.dataset.value, r.querySelector('.rate').innerText, r.querySelector('.deals').innerText, r.querySelectorAll('svg rect').length])",
            json!([table]),
        );
        let want = expected[rows].as_array().unwrap();
        assert_eq!(shown.as_array().unwrap().len(), want.len(), "{table}");
        for (row, api) in shown.as_array().unwrap().iter().zip(want) {
            assert_eq!(row[0], api["value"], "{table}");
            assert_eq!(row[1].as_str().unwrap(), percent(&api["current"]["win_rate"]), "{table}");
            let deals = api["current"]["deals"].as_u64().unwrap();
            assert!(row[2].as_str().unwrap().starts_with(&format!("{deals} deal")), "{row}");
            assert!(row[3].as_u64().unwrap() >= 1, "an inline SVG chart is drawn");
        }
    }
    let newest = browser.script(
        "return [...document.querySelectorAll('#dash-newest li')].map(l => l.dataset.dealId)",
        json!([]),
    );
    let want: Vec<&Value> =
        expected["newest"].as_array().unwrap().iter().map(|n| &n["deal_id"]).collect();
    assert_eq!(newest.as_array().unwrap().iter().collect::<Vec<_>>(), want);
    let themes = browser.script(
        "return [...document.querySelectorAll('#dash-themes li[data-theme]')].map(l => l.dataset.theme)",
        json!([]),
    );
    let want: Vec<&Value> =
        expected["rising_themes"].as_array().unwrap().iter().map(|t| &t["theme"]).collect();
    assert_eq!(themes.as_array().unwrap().iter().collect::<Vec<_>>(), want);
    let page = page_text(&browser);
    assert!(pii_leaks(&page, &pii).is_empty(), "{:?}", pii_leaks(&page, &pii));
    browser.screenshot(&screenshots_dir().join("dashboard-desktop.png"));

    // An example question runs a search.
    let question = expected["questions"][0].as_str().unwrap().to_string();
    browser.click("#dash-questions button");
    browser.wait_for(
        "quotes for the example question",
        "return document.querySelectorAll('#results .card').length > 0",
    );
    assert_eq!(
        browser.script("return document.querySelector('#q').value", json!([])),
        question.as_str()
    );
    assert_eq!(
        browser.script("return document.querySelector('#dashboard').hidden", json!([])),
        true,
        "the dashboard gives way to the answers"
    );
    // "Why do we lose to X?": the result header and the "What buyers say" panel name the same
    // scope.
    let competitor = question.trim_start_matches("Why do we lose to ").trim_end_matches('?');
    let label = format!("lost deals against {competitor}");
    browser.wait_for(
        "the answer panel",
        "return !document.querySelector('#answer').hidden && document.querySelector('#search-status').innerText.includes('quote')",
    );
    let status = text("#search-status");
    assert!(status.contains(&label), "{status}");
    assert!(text("#answer h2").contains(&format!("({label})")), "{}", text("#answer h2"));

    // The briefing page shows the server's print-ready briefing, gaps first.
    browser.goto(&format!("{base}/?view=briefing"));
    browser.wait_for(
        "the briefing",
        "const d = document.querySelector('#briefing-frame').contentDocument; return d && d.querySelector('h1') && d.querySelector('h1').innerText.includes('briefing')",
    );
    let frame_text = browser
        .script(
            "return document.querySelector('#briefing-frame').contentDocument.body.innerText",
            json!([]),
        )
        .as_str()
        .unwrap()
        .to_string();
    assert!(frame_text.contains(&briefing.quarter), "{frame_text}");
    for gap in briefing.gaps.iter().take(3) {
        assert!(frame_text.contains(&gap.label), "{}", gap.label);
        for quote in &gap.examples {
            assert!(frame_text.contains(&quote.quote_id), "{}", quote.quote_id);
        }
    }
    assert!(pii_leaks(&frame_text, &pii).is_empty());
    browser.screenshot(&screenshots_dir().join("briefing-desktop.png"));
    let errors = browser.console_errors();
    assert!(errors.is_empty(), "{errors:?}");
}
