//! `transform`: "a real program of some size" for kiln's WASI tests.
//!
//! Usage: `transform <input_dir> <output_dir>`.
//!
//! Reads every regular file named `*.txt` in `input_dir` (sorted by name; other
//! files and directories are ignored), and:
//! - writes a ROT13 copy of each one to `output_dir/<name>.rot13`;
//! - counts lines, words, bytes and chars per file and in total;
//! - counts word frequencies (words are runs of alphanumeric chars and inner
//!   apostrophes, lowercased), sorted by count descending, then word ascending;
//! - computes a letter histogram, the longest line and an FNV-1a checksum per file;
//! - writes all of that as `output_dir/report.txt` (creating `output_dir` if needed)
//!   and prints the same report to stdout.
//!
//! It builds and runs natively too (`cargo run --release --bin transform -- IN OUT`),
//! and the report names no paths and no times, so kiln's output can be compared
//! byte for byte with the native one. Exit codes: 0 ok, 1 I/O error, 2 usage.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// How many of the most frequent words the report lists (overall / per file).
const TOP_WORDS: usize = 40;
const TOP_WORDS_PER_FILE: usize = 5;

/// Statistics of one input file.
#[derive(Default)]
struct FileStats {
    name: String,
    lines: usize,
    words: usize,
    bytes: usize,
    chars: usize,
    longest_line: usize,
    sentences: usize,
    checksum: u64,
    freq: BTreeMap<String, usize>,
}

/// FNV-1a, 64-bit.
fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x0000_0100_0000_01b3))
}

fn rot13(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            'a'..='z' => (((c as u8 - b'a') + 13) % 26 + b'a') as char,
            'A'..='Z' => (((c as u8 - b'A') + 13) % 26 + b'A') as char,
            _ => c,
        })
        .collect()
}

/// Splits `text` into lowercase words: runs of alphanumeric chars, where an
/// apostrophe between two alphanumeric chars stays inside the word ("don't").
fn words(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let inner_apostrophe =
            (c == '\'' || c == '\u{2019}') && !cur.is_empty() && chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        if c.is_alphanumeric() {
            cur.extend(c.to_lowercase());
        } else if inner_apostrophe {
            cur.push('\'');
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn analyze(name: String, data: &[u8]) -> (FileStats, String) {
    let text = String::from_utf8_lossy(data).into_owned();
    let mut st =
        FileStats { name, bytes: data.len(), chars: text.chars().count(), checksum: fnv1a(data), ..Default::default() };
    st.lines = text.lines().count();
    st.longest_line = text.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    st.sentences = text.chars().filter(|c| matches!(c, '.' | '!' | '?')).count();
    for w in words(&text) {
        st.words += 1;
        *st.freq.entry(w).or_insert(0) += 1;
    }
    (st, text)
}

/// Sorted by count descending, then word ascending.
fn ranked(freq: &BTreeMap<String, usize>) -> Vec<(&str, usize)> {
    let mut v: Vec<(&str, usize)> = freq.iter().map(|(w, &c)| (w.as_str(), c)).collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    v
}

fn report(files: &[FileStats]) -> String {
    let mut r = String::new();
    let _ = writeln!(r, "transform report");
    let _ = writeln!(r, "files: {}", files.len());
    let mut total = BTreeMap::<String, usize>::new();
    let mut letters = [0usize; 26];
    for f in files {
        let _ = writeln!(r);
        let _ = writeln!(r, "== {}", f.name);
        let _ = writeln!(
            r,
            "lines {} | words {} | bytes {} | chars {} | sentences {} | longest line {} | fnv1a {:016x}",
            f.lines, f.words, f.bytes, f.chars, f.sentences, f.longest_line, f.checksum
        );
        let top: Vec<String> =
            ranked(&f.freq).iter().take(TOP_WORDS_PER_FILE).map(|(w, c)| format!("{w}={c}")).collect();
        let _ = writeln!(r, "top: {}", if top.is_empty() { "-".to_string() } else { top.join(" ") });
        for (w, c) in &f.freq {
            *total.entry(w.clone()).or_insert(0) += c;
            for ch in w.chars() {
                if ch.is_ascii_lowercase() {
                    letters[(ch as u8 - b'a') as usize] += c;
                }
            }
        }
    }
    let sum = |g: fn(&FileStats) -> usize| files.iter().map(g).sum::<usize>();
    let (words, chars_in_words) = total.iter().fold((0, 0), |(n, l), (w, c)| (n + c, l + c * w.chars().count()));
    let _ = writeln!(r);
    let _ = writeln!(r, "== totals");
    let _ = writeln!(
        r,
        "lines {} | words {} | bytes {} | chars {} | sentences {} | distinct words {}",
        sum(|f| f.lines),
        sum(|f| f.words),
        sum(|f| f.bytes),
        sum(|f| f.chars),
        sum(|f| f.sentences),
        total.len()
    );
    let avg = if words == 0 { 0.0 } else { chars_in_words as f64 / words as f64 };
    let _ = writeln!(r, "average word length {avg:.3}");
    let longest = total.keys().max_by(|a, b| a.chars().count().cmp(&b.chars().count()).then_with(|| b.cmp(a)));
    let _ = writeln!(r, "longest word {}", longest.map(String::as_str).unwrap_or("-"));
    let _ = writeln!(r);
    let _ = writeln!(r, "== word frequencies (top {TOP_WORDS}, by count then word)");
    for (i, (w, c)) in ranked(&total).iter().take(TOP_WORDS).enumerate() {
        let _ = writeln!(r, "{:>3}. {:>5}  {}", i + 1, c, w);
    }
    let _ = writeln!(r);
    let _ = writeln!(r, "== letters (a-z in words)");
    let max = letters.iter().copied().max().unwrap_or(0).max(1);
    for (i, &n) in letters.iter().enumerate() {
        let bar = "#".repeat((n * 50).div_ceil(max));
        let line = format!("{} {:>6} {}", (b'a' + i as u8) as char, n, bar);
        let _ = writeln!(r, "{}", line.trim_end());
    }
    r
}

fn run(input: &Path, output: &Path) -> Result<String, String> {
    let mut names: Vec<String> = Vec::new();
    for entry in fs::read_dir(input).map_err(|e| format!("reading {}: {e}", input.display()))? {
        let entry = entry.map_err(|e| format!("reading {}: {e}", input.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_file = fs::metadata(entry.path()).map(|m| m.is_file()).unwrap_or(false);
        if is_file && name.ends_with(".txt") {
            names.push(name);
        }
    }
    names.sort();
    fs::create_dir_all(output).map_err(|e| format!("creating {}: {e}", output.display()))?;
    let mut files = Vec::new();
    for name in names {
        let data = fs::read(input.join(&name)).map_err(|e| format!("reading {name}: {e}"))?;
        let (stats, text) = analyze(name.clone(), &data);
        fs::write(output.join(format!("{name}.rot13")), rot13(&text))
            .map_err(|e| format!("writing {name}.rot13: {e}"))?;
        files.push(stats);
    }
    let rep = report(&files);
    fs::write(output.join("report.txt"), &rep).map_err(|e| format!("writing report.txt: {e}"))?;
    Ok(rep)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 {
        eprintln!("usage: {} <input_dir> <output_dir>", args.first().map(String::as_str).unwrap_or("transform"));
        std::process::exit(2);
    }
    match run(Path::new(&args[1]), Path::new(&args[2])) {
        Ok(rep) => print!("{rep}"),
        Err(e) => {
            eprintln!("transform: {e}");
            std::process::exit(1);
        }
    }
}
