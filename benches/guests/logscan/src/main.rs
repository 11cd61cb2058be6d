//! logscan: reads log records on stdin, one a line, and prints a JSON report.
//!
//! A line is either a JSON object (`{"level": "...", "msg": "...", ...}`) or
//! free text such as `2026-12-02T00:48:49Z WARN [db] slow query 812ms
//! user=alice@example.com`. Every record's message is searched with a set of
//! Unicode-aware regular expressions (durations, e-mail addresses, IPv4
//! addresses, HTTP status codes, words), and the report counts records by
//! level and component, sums the durations, lists the distinct addresses and
//! the ten most frequent words. It is the large-program case of
//! `benches/compare` (regex and serde_json make it more than 1 MB), and a
//! real program: `echo '{"level":"info","msg":"ok 12ms"}' | kiln run
//! logscan.wasm`.

use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, Write};

/// A record given as a JSON object.
#[derive(Deserialize)]
struct JsonRecord {
    #[serde(default)]
    level: Option<String>,
    #[serde(default, alias = "component", alias = "target")]
    module: Option<String>,
    #[serde(default, alias = "message")]
    msg: String,
}

/// One record, however it was written.
struct Record {
    level: String,
    component: String,
    msg: String,
}

/// What is printed at the end.
#[derive(Serialize, Default)]
struct Report {
    records: u64,
    json_records: u64,
    text_records: u64,
    unparsed: u64,
    by_level: BTreeMap<String, u64>,
    by_component: BTreeMap<String, u64>,
    total_duration_ms: f64,
    durations: u64,
    http_status: BTreeMap<u16, u64>,
    emails: BTreeSet<String>,
    ipv4: BTreeSet<String>,
    top_words: Vec<(String, u64)>,
}

/// The expressions every message is searched with.
struct Patterns {
    text_line: Regex,
    duration: Regex,
    email: Regex,
    ipv4: Regex,
    status: Regex,
    word: Regex,
}

impl Patterns {
    fn new() -> Result<Self, regex::Error> {
        Ok(Self {
            text_line: Regex::new(
                r"^(?:(?P<ts>\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?Z?)\s+)?(?P<level>(?i:trace|debug|info|warn(?:ing)?|error|fatal))\s+(?:\[(?P<comp>[\p{L}\p{N}_.:-]+)\]\s+)?(?P<msg>.*)$",
            )?,
            duration: Regex::new(r"\b(?P<n>\d+(?:\.\d+)?)\s?(?P<unit>ms|s|µs|us)\b")?,
            email: Regex::new(r"\b[\p{L}\p{N}._%+-]+@[\p{L}\p{N}.-]+\.\p{L}{2,}\b")?,
            ipv4: Regex::new(r"\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b")?,
            status: Regex::new(r"\b(?:status|HTTP/\d\.\d)[ =:]+(?P<code>[1-5]\d\d)\b")?,
            word: Regex::new(r"\p{Alphabetic}{4,}")?,
        })
    }

    fn parse(&self, line: &str) -> Option<(Record, bool)> {
        if line.trim_start().starts_with('{') {
            let r: JsonRecord = serde_json::from_str(line).ok()?;
            let level = r.level.unwrap_or_else(|| "unknown".into());
            let component = r.module.unwrap_or_else(|| "-".into());
            return Some((Record { level, component, msg: r.msg }, true));
        }
        let c = self.text_line.captures(line)?;
        Some((
            Record {
                level: c["level"].to_string(),
                component: c.name("comp").map_or("-", |m| m.as_str()).to_string(),
                msg: c["msg"].to_string(),
            },
            false,
        ))
    }

    fn scan(&self, record: &Record, report: &mut Report, words: &mut BTreeMap<String, u64>) {
        *report.by_level.entry(record.level.to_lowercase()).or_default() += 1;
        *report.by_component.entry(record.component.clone()).or_default() += 1;
        for c in self.duration.captures_iter(&record.msg) {
            let n: f64 = c["n"].parse().unwrap_or(0.0);
            let ms = match &c["unit"] {
                "s" => n * 1000.0,
                "µs" | "us" => n / 1000.0,
                _ => n,
            };
            report.total_duration_ms += ms;
            report.durations += 1;
        }
        for m in self.email.find_iter(&record.msg) {
            report.emails.insert(m.as_str().to_string());
        }
        for m in self.ipv4.find_iter(&record.msg) {
            report.ipv4.insert(m.as_str().to_string());
        }
        for c in self.status.captures_iter(&record.msg) {
            if let Ok(code) = c["code"].parse() {
                *report.http_status.entry(code).or_default() += 1;
            }
        }
        for m in self.word.find_iter(&record.msg) {
            *words.entry(m.as_str().to_lowercase()).or_default() += 1;
        }
    }
}

fn main() {
    let patterns = match Patterns::new() {
        Ok(p) => p,
        Err(e) => {
            eprintln!("logscan: bad pattern: {e}");
            std::process::exit(2);
        }
    };
    let mut report = Report::default();
    let mut words = BTreeMap::new();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { break };
        if line.trim().is_empty() {
            continue;
        }
        match patterns.parse(&line) {
            Some((record, json)) => {
                report.records += 1;
                if json {
                    report.json_records += 1;
                } else {
                    report.text_records += 1;
                }
                patterns.scan(&record, &mut report, &mut words);
            }
            None => report.unparsed += 1,
        }
    }
    let mut top: Vec<(String, u64)> = words.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(10);
    report.top_words = top;
    let mut out = std::io::stdout().lock();
    let ok = serde_json::to_writer_pretty(&mut out, &report).is_ok() && writeln!(out).is_ok();
    if !ok {
        std::process::exit(1);
    }
}
