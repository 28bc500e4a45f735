#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! The JUnit output is well-formed XML with the structure CI servers read.

mod common;

use quick_xml::events::Event;
use quick_xml::{Reader, XmlVersion};

#[derive(Debug, Default)]
struct Case {
    suite: String,
    name: String,
    kinds: Vec<String>,
    properties: Vec<(String, String)>,
    message: Option<String>,
    body: String,
}

/// A `<testsuite>`: its name and attributes.
type Suite = (String, Vec<(String, String)>);

/// Parse the whole document strictly (mismatched end tags are errors) and collect test cases.
fn parse(xml: &str) -> (Vec<Suite>, Vec<Case>) {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    reader.config_mut().trim_text(false);
    let mut stack: Vec<String> = Vec::new();
    let mut suites = Vec::new();
    let mut cases: Vec<Case> = Vec::new();
    let mut current_suite = String::new();
    let mut roots = 0;
    loop {
        let ev = reader
            .read_event()
            .unwrap_or_else(|e| panic!("malformed XML at {}: {e}", reader.buffer_position()));
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = e.name().as_ref().to_string();
                let attrs: Vec<(String, String)> = e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        (
                            a.key.as_ref().to_string(),
                            a.normalized_value(XmlVersion::Implicit1_0)
                                .unwrap()
                                .into_owned(),
                        )
                    })
                    .collect();
                if stack.is_empty() {
                    roots += 1;
                }
                let get = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
                match name.as_str() {
                    "testsuite" => {
                        current_suite = get("name").unwrap();
                        suites.push((current_suite.clone(), attrs.clone()));
                    }
                    "testcase" => cases.push(Case {
                        suite: current_suite.clone(),
                        name: get("name").unwrap(),
                        ..Case::default()
                    }),
                    "failure" | "error" | "skipped" => {
                        let c = cases.last_mut().unwrap();
                        c.kinds.push(name.clone());
                        c.message = get("message");
                    }
                    "property"
                        if stack.last().map(String::as_str) == Some("properties")
                            && stack.iter().any(|s| s == "testcase") =>
                    {
                        cases
                            .last_mut()
                            .unwrap()
                            .properties
                            .push((get("name").unwrap(), get("value").unwrap()));
                    }
                    _ => {}
                }
                if matches!(ev, Event::Start(_)) {
                    stack.push(name);
                }
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Text(t) => {
                if matches!(stack.last().map(String::as_str), Some("failure" | "error")) {
                    cases.last_mut().unwrap().body.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if matches!(stack.last().map(String::as_str), Some("failure" | "error")) {
                    let name = r.into_inner().into_owned();
                    let c = match name.as_str() {
                        "lt" => "<",
                        "gt" => ">",
                        "amp" => "&",
                        "quot" => "\"",
                        "apos" => "'",
                        other => panic!("unexpected entity {other}"),
                    };
                    cases.last_mut().unwrap().body.push_str(c);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    assert_eq!(roots, 1, "exactly one root element");
    (suites, cases)
}

#[test]
fn junit_is_well_formed_and_complete() {
    let f = common::fixture();
    let xml = aims_report::render_junit(&f.results);
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>"));
    let (suites, cases) = parse(&xml);
    let names: Vec<&str> = suites.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "chat-assistant",
            "doc-classifier",
            "face-match",
            "legacy-scorer"
        ]
    );
    // one testcase per system x control, and one in error per unreadable document
    assert_eq!(cases.len(), 4 * 5 + 1);
    let unreadable = cases
        .iter()
        .find(|c| c.name == "evidence systems/face-match/README.md")
        .unwrap();
    assert_eq!(unreadable.suite, "face-match");
    assert_eq!(unreadable.kinds, ["error"]);
    assert!(
        unreadable.body.contains("is unreadable"),
        "{}",
        unreadable.body
    );

    let case = |suite: &str, id: &str| {
        cases
            .iter()
            .find(|c| c.suite == suite && c.name.starts_with(&format!("{id} ")))
            .unwrap()
    };
    let lic = case("chat-assistant", "A.6.2.6");
    assert_eq!(lic.kinds, ["failure"]);
    assert_eq!(
        lic.message.as_deref(),
        Some("the model card has no licence")
    );
    assert!(
        lic.body.contains("missing: model card has no `license`"),
        "{}",
        lic.body
    );
    assert!(lic.body.contains("expired on 2026-01-31"));

    let parity = case("chat-assistant", "A.6.2.4");
    assert!(
        parity
            .body
            .contains("fairness::parity_gap(model_card.eval) <= 0.05"),
        "{}",
        parity.body
    );
    assert!(parity.body.contains("{\"demographic_parity_gap\": 0.07}"));

    assert_eq!(case("face-match", "A.6.2.4").kinds, ["error"]);
    let waived = case("face-match", "A.7.5");
    assert_eq!(waived.kinds, ["skipped"]);
    assert!(waived.message.as_deref().unwrap().contains("legal-review"));
    assert!(waived
        .properties
        .contains(&("verdict".into(), "waived".into())));
    assert!(waived
        .properties
        .contains(&("waiver_approver".into(), "jane.doe@example.com".into())));
    let na = case("doc-classifier", "A.7.5");
    assert_eq!(na.kinds, ["skipped"]);
    assert!(na.properties.contains(&(
        "not_applicable_reason".into(),
        "only high and limited risk systems need provenance records".into()
    )));
    assert!(case("doc-classifier", "A.6.2.6").kinds.is_empty());

    // suite counters agree with the cases
    for (name, attrs) in &suites {
        let get = |k: &str| {
            attrs
                .iter()
                .find(|(n, _)| n == k)
                .unwrap()
                .1
                .parse::<usize>()
                .unwrap()
        };
        let mine: Vec<&Case> = cases.iter().filter(|c| &c.suite == name).collect();
        assert_eq!(get("tests"), mine.len());
        assert_eq!(
            get("failures"),
            mine.iter().filter(|c| c.kinds == ["failure"]).count()
        );
        assert_eq!(
            get("errors"),
            mine.iter().filter(|c| c.kinds == ["error"]).count()
        );
        assert_eq!(
            get("skipped"),
            mine.iter().filter(|c| c.kinds == ["skipped"]).count()
        );
    }
}

#[test]
fn hostile_text_stays_well_formed() {
    let mut f = common::fixture();
    let c = &mut f.results.systems[0].controls[0];
    c.requirements[0].message = Some("bad ]]> <tag> & \"quotes\" \u{1} control".into());
    c.requirements[0].evidence[0].path = "model_card[\"<x>\"]".into();
    f.results.systems[0].name = "a&b <c>".into();
    let xml = aims_report::render_junit(&f.results);
    let (suites, cases) = parse(&xml);
    assert_eq!(suites[0].0, "a&b <c>");
    let case = cases
        .iter()
        .find(|c| c.suite == "a&b <c>" && c.kinds == ["failure"])
        .unwrap();
    assert!(
        case.body
            .contains("bad ]]> <tag> & \"quotes\" \u{FFFD} control"),
        "{}",
        case.body
    );
}
