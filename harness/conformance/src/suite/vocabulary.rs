//! The step vocabulary of `features/README.md`: every phrase a scenario may use, written in a
//! small pattern language (`{placeholder}`, `[optional]`, `(a|b)` choices, the rest literal),
//! and the outcome expressions of the acceptance matrix. Loading the README gives matchers, so
//! a test checks that every step of every feature is exactly one phrase of the README and the
//! README cannot drift from the features.

use regex::Regex;

/// A placeholder of the pattern language and the regex it stands for.
pub const PLACEHOLDERS: &[(&str, &str)] = &[
    ("n", r"(\d+|0x[0-9A-Fa-f]+)"),
    ("m", r"([mf]\d+)"),
    ("names", r"(\w+(?:, \w+)*)"),
    ("f", r"([A-Z]\w*)"),
    ("prop", r"((?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8})"),
    (
        "props",
        r"((?:(?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8})(?:, (?:(?:PidTag|MetaTag)\w+|0x[0-9A-Fa-f]{8}))*)",
    ),
    ("list", r"(none|\w+(?:, \w+)*)"),
    ("code", r"(0x[0-9A-Fa-f]{8})"),
    ("codes", r"(0x[0-9A-Fa-f]{8}(?:, 0x[0-9A-Fa-f]{8})*)"),
    ("text", r#""([^"]*)""#),
    ("value", r#"("[^"]*"|-?\d+|0x[0-9A-Fa-f]+|true|false)"#),
    ("bytes", r"([0-9a-f]{2}(?: [0-9a-f]{2})*)"),
    ("word", r"(\w+)"),
    ("rop", r"(Rop\w+)"),
    ("rops", r"(Rop\w+(?:, Rop\w+)*)"),
    (
        "scope",
        r"(contents|the hierarchy)(?: of folder ([A-Z]\w*))?",
    ),
    (
        "state",
        r"(an empty state|its saved state|no state upload|the state property MetaTag\w+ set to [0-9a-f]{2}(?: [0-9a-f]{2})*)",
    ),
    (
        "stateprop",
        r"(IdsetGiven|CnsetSeen|CnsetSeenFAI|CnsetRead|MetaTag\w+)",
    ),
    (
        "element",
        r"(message change header|message change|normal message change|folder change|copied message)",
    ),
    (
        "outcome",
        r"((?:succeeds|succeeded|fails|failed|was answered|returns|answers|both succeed)\b.*)",
    ),
];

/// Problems in the README's vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VocabularyError {
    #[error("phrase `{pattern}`: unknown placeholder {{{name}}}")]
    UnknownPlaceholder { pattern: String, name: String },
    #[error("phrase `{pattern}`: unbalanced {what}")]
    Unbalanced { pattern: String, what: &'static str },
    #[error("phrase `{pattern}`: {message}")]
    Regex { pattern: String, message: String },
    #[error("the README has no `## Vocabulary` section")]
    NoVocabulary,
}

/// One phrase: its pattern as written in the README, the section it is listed in, and its
/// matcher.
#[derive(Debug, Clone)]
pub struct Phrase {
    pub pattern: String,
    pub section: String,
    regex: Regex,
}

impl Phrase {
    /// Compiles a README pattern.
    pub fn new(pattern: &str, section: &str) -> Result<Self, VocabularyError> {
        let source = pattern_to_regex(pattern)?;
        let regex = Regex::new(&source).map_err(|e| VocabularyError::Regex {
            pattern: pattern.to_owned(),
            message: e.to_string(),
        })?;
        Ok(Self {
            pattern: pattern.to_owned(),
            section: section.to_owned(),
            regex,
        })
    }

    /// Whether the whole `text` is this phrase.
    pub fn is_match(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    /// The text of the `{outcome}` placeholder, if the phrase has one and matches.
    pub fn outcome_of<'t>(&self, text: &'t str) -> Option<&'t str> {
        if !self.pattern.contains("{outcome}") {
            return None;
        }
        let caps = self.regex.captures(text)?;
        caps.iter().flatten().skip(1).last().map(|m| m.as_str())
    }
}

/// Translates a README pattern into an anchored regex.
pub fn pattern_to_regex(pattern: &str) -> Result<String, VocabularyError> {
    let mut out = String::from("^");
    let (mut optional, mut choice) = (0i32, 0i32);
    let mut chars = pattern.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '{' => {
                let rest = &pattern[i + 1..];
                let end = rest.find('}').ok_or_else(|| VocabularyError::Unbalanced {
                    pattern: pattern.to_owned(),
                    what: "braces",
                })?;
                let name = &rest[..end];
                let (_, re) = PLACEHOLDERS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .ok_or_else(|| VocabularyError::UnknownPlaceholder {
                        pattern: pattern.to_owned(),
                        name: name.to_owned(),
                    })?;
                out.push_str(re);
                for _ in 0..=end {
                    chars.next();
                }
            }
            '[' => {
                optional += 1;
                out.push_str("(?:");
            }
            ']' => {
                optional -= 1;
                out.push_str(")?");
            }
            '(' => {
                choice += 1;
                out.push_str("(?:");
            }
            ')' => {
                choice -= 1;
                out.push(')');
            }
            '|' => out.push('|'),
            c => out.push_str(&regex::escape(c.encode_utf8(&mut [0; 4]))),
        }
        if optional < 0 || choice < 0 {
            break;
        }
    }
    if optional != 0 || choice != 0 {
        return Err(VocabularyError::Unbalanced {
            pattern: pattern.to_owned(),
            what: if optional != 0 {
                "brackets"
            } else {
                "parentheses"
            },
        });
    }
    out.push('$');
    Ok(out)
}

/// Splits a Markdown table row into cells, honouring `\|` escapes (unescaped in the result).
fn table_cells(row: &str) -> Vec<String> {
    let inner = row.trim().trim_start_matches('|');
    let (mut cells, mut cell, mut escaped) = (Vec::new(), String::new(), false);
    for c in inner.chars() {
        match (escaped, c) {
            (true, '|') => {
                cell.push('|');
                escaped = false;
            }
            (true, c) => {
                cell.push('\\');
                cell.push(c);
                escaped = false;
            }
            (false, '\\') => escaped = true,
            (false, '|') => cells.push(std::mem::take(&mut cell).trim().to_owned()),
            (false, c) => cell.push(c),
        }
    }
    cells
}

/// The backticked spans of a cell.
fn code_spans(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

/// How a step fails the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepProblem {
    /// No phrase matches the step.
    Unknown,
    /// More than one phrase matches (cucumber would reject the step as ambiguous).
    Ambiguous(Vec<String>),
    /// The phrase matches but these alternatives of its outcome expression are not outcome
    /// alternatives of the README.
    BadOutcome(Vec<String>),
}

/// The phrases and outcome alternatives of the README.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    pub phrases: Vec<Phrase>,
    pub outcomes: Vec<Phrase>,
}

impl Vocabulary {
    /// Reads the tables under `## Vocabulary` (up to the next `## ` heading); rows of the
    /// `Outcome expressions` subsection are outcome alternatives, all others phrases.
    pub fn from_readme(text: &str) -> Result<Self, VocabularyError> {
        let (mut phrases, mut outcomes) = (Vec::new(), Vec::new());
        let (mut in_vocabulary, mut seen, mut section) = (false, false, String::new());
        for line in text.lines() {
            if let Some(h) = line.strip_prefix("## ") {
                in_vocabulary = h.trim() == "Vocabulary";
                seen |= in_vocabulary;
                continue;
            }
            if !in_vocabulary {
                continue;
            }
            if line.starts_with('#') {
                section = line.trim_start_matches('#').trim().to_owned();
                continue;
            }
            if !line.starts_with("| `") {
                continue;
            }
            let cells = table_cells(line);
            let Some(first) = cells.first() else { continue };
            for pattern in code_spans(first) {
                let phrase = Phrase::new(pattern, &section)?;
                if section == "Outcome expressions" {
                    outcomes.push(phrase);
                } else {
                    phrases.push(phrase);
                }
            }
        }
        if !seen {
            return Err(VocabularyError::NoVocabulary);
        }
        Ok(Self { phrases, outcomes })
    }

    /// The phrases matching a step text.
    pub fn matching(&self, step: &str) -> Vec<&Phrase> {
        self.phrases.iter().filter(|p| p.is_match(step)).collect()
    }

    /// Checks that `step` is exactly one phrase, and that its outcome expression (if any) is
    /// made of known alternatives. Returns the phrase.
    pub fn check(&self, step: &str) -> Result<&Phrase, StepProblem> {
        let found = self.matching(step);
        let phrase = match found.as_slice() {
            [] => return Err(StepProblem::Unknown),
            [one] => *one,
            many => {
                return Err(StepProblem::Ambiguous(
                    many.iter().map(|p| p.pattern.clone()).collect(),
                ));
            }
        };
        if let Some(outcome) = phrase.outcome_of(step) {
            let bad: Vec<String> = outcome_alternatives(outcome)
                .into_iter()
                .filter(|alt| {
                    !self
                        .outcomes
                        .iter()
                        .any(|o| o.is_match(&present_tense(alt)))
                })
                .map(str::to_owned)
                .collect();
            if !bad.is_empty() {
                return Err(StepProblem::BadOutcome(bad));
            }
        }
        Ok(phrase)
    }
}

/// The alternatives of an outcome expression (joined by `, or ` or ` or `).
pub fn outcome_alternatives(outcome: &str) -> Vec<&str> {
    outcome
        .split(", or ")
        .flat_map(|part| part.split(" or "))
        .map(str::trim)
        .collect()
}

/// `succeeded ...` -> `succeeds ...`, `failed ...` -> `fails ...` (either tense is accepted).
pub fn present_tense(alternative: &str) -> String {
    for (past, present) in [("succeeded", "succeeds"), ("failed", "fails")] {
        if let Some(rest) = alternative.strip_prefix(past) {
            return format!("{present}{rest}");
        }
    }
    alternative.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_translate_to_anchored_regexes() {
        let p = Phrase::new("a folder with {n} message[s][ and {n} FAI message[s]]", "x").unwrap();
        assert!(p.is_match("a folder with 3 messages"));
        assert!(p.is_match("a folder with 1 message"));
        assert!(p.is_match("a folder with 3 messages and 2 FAI messages"));
        assert!(!p.is_match("a folder with 3 messages and"));
        assert!(!p.is_match("xa folder with 3 messages"));
        let c = Phrase::new("message {m} in the replica is (read|unread)", "x").unwrap();
        assert!(c.is_match("message m1 in the replica is unread"));
        assert!(!c.is_match("message m1 in the replica is readunread"));
        // Regex metacharacters in literal text are escaped.
        let dot = Phrase::new("the range 0x6600-0x67FF.", "x").unwrap();
        assert!(dot.is_match("the range 0x6600-0x67FF."));
        assert!(!dot.is_match("the range 0x6600-0x67FFx"));
    }

    #[test]
    fn pattern_errors_are_reported() {
        assert_eq!(
            pattern_to_regex("a {nope} b"),
            Err(VocabularyError::UnknownPlaceholder {
                pattern: "a {nope} b".into(),
                name: "nope".into()
            })
        );
        assert!(matches!(
            pattern_to_regex("a [b"),
            Err(VocabularyError::Unbalanced {
                what: "brackets",
                ..
            })
        ));
        assert!(matches!(
            pattern_to_regex("a (b|c"),
            Err(VocabularyError::Unbalanced {
                what: "parentheses",
                ..
            })
        ));
        assert!(matches!(
            pattern_to_regex("a {n"),
            Err(VocabularyError::Unbalanced { what: "braces", .. })
        ));
    }

    const README: &str = "\
# x
## Phrase syntax
| `{n}` | a number | `3` |
## Vocabulary
### Outcomes of ROPs
| phrase | meaning |
|---|---|
| `the last ROP {outcome}` | the ROP ended so |
| `the download holds ({n}\\|no) message changes` | count |
#### Outcome expressions
| alternative | holds when |
|---|---|
| `succeeds` / `succeeds with a warning` | ok |
| `fails with {code}` | that code |
## Requirement ids without a scenario yet
| `ignored {n}` | not a phrase |
";

    #[test]
    fn reads_phrases_and_outcomes_from_the_vocabulary_section_only() {
        let v = Vocabulary::from_readme(README).unwrap();
        let pats: Vec<_> = v.phrases.iter().map(|p| p.pattern.as_str()).collect();
        assert_eq!(
            pats,
            [
                "the last ROP {outcome}",
                "the download holds ({n}|no) message changes"
            ]
        );
        assert_eq!(v.phrases[1].section, "Outcomes of ROPs");
        assert_eq!(v.outcomes.len(), 3);
        assert!(v.check("the download holds no message changes").is_ok());
        assert!(matches!(
            v.check("the download holds some"),
            Err(StepProblem::Unknown)
        ));
        assert!(
            v.check("the last ROP fails with 0x80070057, or succeeded")
                .is_ok()
        );
        assert!(matches!(
            v.check("the last ROP fails with 0x80070057, or explodes"),
            Err(StepProblem::BadOutcome(b)) if b == ["explodes"]
        ));
    }

    #[test]
    fn ambiguous_steps_are_reported() {
        let text = "## Vocabulary\n| `a {n} b` | x |\n| `a (1\\|2) b` | y |\n";
        let v = Vocabulary::from_readme(text).unwrap();
        assert!(matches!(v.check("a 1 b"), Err(StepProblem::Ambiguous(p)) if p.len() == 2));
        assert!(v.check("a 3 b").is_ok());
    }

    #[test]
    fn a_readme_without_vocabulary_is_an_error() {
        assert_eq!(
            Vocabulary::from_readme("# nothing\n").unwrap_err(),
            VocabularyError::NoVocabulary
        );
    }

    #[test]
    fn outcome_alternatives_split_on_or() {
        assert_eq!(
            outcome_alternatives("fails with one of 0x1, 0x2, or succeeds with a warning"),
            ["fails with one of 0x1, 0x2", "succeeds with a warning"]
        );
        assert_eq!(
            outcome_alternatives("succeeds or fails"),
            ["succeeds", "fails"]
        );
        assert_eq!(present_tense("failed with 0x1"), "fails with 0x1");
        assert_eq!(present_tense("returns Done"), "returns Done");
    }
}
