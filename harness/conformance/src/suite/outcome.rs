//! Outcome expressions of the acceptance matrix (features/README.md, "Outcome expressions";
//! digest group Y): `fails with 0x80070057, or succeeds with a SHOULD-level warning`. An
//! expression is parsed into alternatives and judged against what a ROP ended with: it
//! passes if an alternative without a warning holds, passes with a warning (reported, not a
//! failure) if only a warned alternative holds, and fails otherwise.

use std::fmt;

use crate::vocabulary::{outcome_alternatives, present_tense};

/// One alternative of an outcome expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Alternative {
    /// `succeeds`; `warn` for `succeeds with a (SHOULD-level) warning`.
    Succeeds { warn: bool },
    /// `fails`: any non-zero ReturnValue or an RPC-level failure.
    Fails,
    /// `fails with X` / `fails with one of X, Y`; `warn` for `... with a SHOULD-level warning`.
    FailsWith { codes: Vec<u32>, warn: bool },
    /// `another non-zero code with a warning`: a failure with a code not named elsewhere.
    OtherNonZeroWithWarning,
    /// `the (whole) RPC fails with X`.
    RpcFailsWith(u32),
    /// `fails with TransferStatus Error`.
    TransferStatusError,
    /// `returns Done with an empty buffer`.
    DoneWithEmptyBuffer,
    /// `answers X without a MessageId`: the failure-shaped response with that code.
    AnswersWithoutMessageId(u32),
    /// `fails with the same code as the failed GetBuffer`.
    SameCodeAsFailedGetBuffer,
    /// `was answered with RopBufferTooSmall`.
    BufferTooSmall,
    /// An alternative that needs the scenario's context (`the download holds 3 message
    /// changes`, `fails before deleting anything`, ...): judged by the step's callback.
    Check(String),
}

/// Problems in an outcome expression.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum OutcomeError {
    #[error("`{0}` is not a hex code (0x followed by 1-8 hex digits)")]
    BadCode(String),
    #[error("`{0}` is not an outcome alternative of features/README.md")]
    Unknown(String),
}

fn code(text: &str) -> Result<u32, OutcomeError> {
    text.trim()
        .strip_prefix("0x")
        .filter(|h| !h.is_empty() && h.len() <= 8)
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .ok_or_else(|| OutcomeError::BadCode(text.trim().to_owned()))
}

/// Alternatives judged by the step's context, in the words of the README.
const CONTEXT_CHECKS: &[&str] = &[
    "fails before deleting anything",
    "fails and leaves ",
    "both succeed and the outcome is recorded",
    "succeeds and the server keeps its version of ",
    "the download is identical to the previous download",
    "the download holds ",
    "the server folder does not hold the message",
];

impl Alternative {
    /// Parses one alternative (either tense).
    pub fn parse(text: &str) -> Result<Self, OutcomeError> {
        let t = present_tense(text.trim());
        let t = t.as_str();
        if CONTEXT_CHECKS.iter().any(|c| t.starts_with(c)) {
            return Ok(Self::Check(t.to_owned()));
        }
        Ok(match t {
            "succeeds" => Self::Succeeds { warn: false },
            "succeeds with a SHOULD-level warning" | "succeeds with a warning" => {
                Self::Succeeds { warn: true }
            }
            "fails" => Self::Fails,
            "another non-zero code with a warning" => Self::OtherNonZeroWithWarning,
            "fails with TransferStatus Error" => Self::TransferStatusError,
            "returns Done with an empty buffer" => Self::DoneWithEmptyBuffer,
            "fails with the same code as the failed GetBuffer" => Self::SameCodeAsFailedGetBuffer,
            "was answered with RopBufferTooSmall" => Self::BufferTooSmall,
            _ => {
                if let Some(rest) = t
                    .strip_prefix("the whole RPC fails with ")
                    .or_else(|| t.strip_prefix("the RPC fails with "))
                {
                    Self::RpcFailsWith(code(rest)?)
                } else if let Some(rest) = t.strip_prefix("answers ") {
                    let c = rest
                        .strip_suffix(" without a MessageId")
                        .ok_or_else(|| OutcomeError::Unknown(t.to_owned()))?;
                    Self::AnswersWithoutMessageId(code(c)?)
                } else if let Some(rest) = t.strip_prefix("fails with one of ") {
                    Self::FailsWith {
                        codes: rest.split(',').map(code).collect::<Result<_, _>>()?,
                        warn: false,
                    }
                } else if let Some(rest) = t.strip_prefix("fails with ") {
                    match rest.strip_suffix(" with a SHOULD-level warning") {
                        Some(c) => Self::FailsWith {
                            codes: vec![code(c)?],
                            warn: true,
                        },
                        None => Self::FailsWith {
                            codes: vec![code(rest)?],
                            warn: false,
                        },
                    }
                } else {
                    return Err(OutcomeError::Unknown(t.to_owned()));
                }
            }
        })
    }
}

/// Parses a whole outcome expression.
pub fn parse(expression: &str) -> Result<Vec<Alternative>, OutcomeError> {
    outcome_alternatives(expression)
        .into_iter()
        .map(Alternative::parse)
        .collect()
}

/// How a ROP (or a short sequence such as ImportMessageChange + SaveChangesMessage) ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    /// The ReturnValue of the ROP; `None` if no ROP response came (RPC failure, or the
    /// response was RopBufferTooSmall).
    pub return_value: Option<u32>,
    /// The RPC-level failure code, if the whole ROP buffer was rejected.
    pub rpc_failure: Option<u32>,
    /// The response was RopBufferTooSmall (0xFF) instead of the ROP's response.
    pub buffer_too_small: bool,
    /// GetBuffer: TransferStatus Error (0x0000) was answered.
    pub transfer_status_error: bool,
    /// GetBuffer: Success with TransferStatus Done and TransferBufferSize 0.
    pub done_empty: bool,
    /// Import ROPs: the response carried the success-shaped trailing field (MessageId/FolderId).
    pub has_message_id: bool,
    /// The code of the GetBuffer that failed before, for R-057.
    pub earlier_getbuffer_failure: Option<u32>,
}

impl fmt::Display for Observed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(c) = self.rpc_failure {
            return write!(f, "the RPC failed with 0x{c:08X}");
        }
        if self.buffer_too_small {
            return f.write_str("RopBufferTooSmall");
        }
        match self.return_value {
            None => f.write_str("no response"),
            Some(0) if self.done_empty => f.write_str("success, Done with an empty buffer"),
            Some(0) => f.write_str("success"),
            Some(c) => write!(f, "ReturnValue 0x{c:08X}"),
        }
    }
}

/// The verdict on an outcome expression.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Judgement {
    Pass,
    /// Accepted only by an alternative with a warning: the message goes into the report.
    PassWithWarning(String),
    Fail(String),
}

/// Judges `alternatives` against `observed`; `check` answers the context alternatives
/// ([`Alternative::Check`]) and returns `None` if it does not know the phrase (a failure).
pub fn judge(
    alternatives: &[Alternative],
    observed: &Observed,
    mut check: impl FnMut(&str) -> Option<bool>,
) -> Judgement {
    let failed_code = observed
        .return_value
        .filter(|c| *c != 0)
        .or(observed.rpc_failure);
    let named: Vec<u32> = alternatives
        .iter()
        .flat_map(|a| match a {
            Alternative::FailsWith { codes, .. } => codes.clone(),
            Alternative::RpcFailsWith(c) | Alternative::AnswersWithoutMessageId(c) => vec![*c],
            _ => vec![],
        })
        .collect();
    let mut warned = None;
    for alt in alternatives {
        let (holds, warn) = match alt {
            Alternative::Succeeds { warn } => (observed.return_value == Some(0), *warn),
            Alternative::Fails => (failed_code.is_some() || observed.buffer_too_small, false),
            Alternative::FailsWith { codes, warn } => (
                observed.return_value.is_some_and(|c| codes.contains(&c)),
                *warn,
            ),
            Alternative::OtherNonZeroWithWarning => {
                (failed_code.is_some_and(|c| !named.contains(&c)), true)
            }
            Alternative::RpcFailsWith(c) => (observed.rpc_failure == Some(*c), false),
            Alternative::TransferStatusError => (observed.transfer_status_error, false),
            Alternative::DoneWithEmptyBuffer => (
                observed.return_value == Some(0) && observed.done_empty,
                false,
            ),
            Alternative::AnswersWithoutMessageId(c) => (
                observed.return_value == Some(*c) && !observed.has_message_id,
                false,
            ),
            Alternative::SameCodeAsFailedGetBuffer => (
                failed_code.is_some() && failed_code == observed.earlier_getbuffer_failure,
                false,
            ),
            Alternative::BufferTooSmall => (observed.buffer_too_small, false),
            Alternative::Check(phrase) => match check(phrase) {
                Some(holds) => (holds, false),
                None => return Judgement::Fail(format!("no check for the alternative `{phrase}`")),
            },
        };
        if holds && !warn {
            return Judgement::Pass;
        }
        if holds && warned.is_none() {
            warned = Some(format!(
                "accepted with a warning: {observed} (a SHOULD-level miss)"
            ));
        }
    }
    match warned {
        Some(w) => Judgement::PassWithWarning(w),
        None => Judgement::Fail(format!("observed {observed}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rop(code: u32) -> Observed {
        Observed {
            return_value: Some(code),
            ..Observed::default()
        }
    }

    fn no_check(_: &str) -> Option<bool> {
        None
    }

    #[test]
    fn parses_the_group_y_expressions_of_the_features() {
        assert_eq!(
            parse("fails with 0x80070057, or succeeds with a SHOULD-level warning").unwrap(),
            [
                Alternative::FailsWith {
                    codes: vec![0x8007_0057],
                    warn: false
                },
                Alternative::Succeeds { warn: true }
            ]
        );
        assert_eq!(
            parse("failed with one of 0x000004B6, 0x000004ED, or the RPC fails with 0x000004B6")
                .unwrap(),
            [
                Alternative::FailsWith {
                    codes: vec![0x4B6, 0x4ED],
                    warn: false
                },
                Alternative::RpcFailsWith(0x4B6)
            ]
        );
        assert_eq!(
            parse("succeeds, or answers 0x00040821 without a MessageId").unwrap()[1],
            Alternative::AnswersWithoutMessageId(0x0004_0821)
        );
        assert_eq!(
            parse("fails, or the download holds 20 message changes").unwrap()[1],
            Alternative::Check("the download holds 20 message changes".into())
        );
        assert_eq!(
            parse("fails with 0x80040102 with a SHOULD-level warning").unwrap(),
            [Alternative::FailsWith {
                codes: vec![0x8004_0102],
                warn: true
            }]
        );
        assert_eq!(
            parse("explodes"),
            Err(OutcomeError::Unknown("explodes".into()))
        );
        assert_eq!(
            parse("fails with 0x1234567890"),
            Err(OutcomeError::BadCode("0x1234567890".into()))
        );
    }

    #[test]
    fn the_unknown_sendoptions_bit_row_of_group_y() {
        // 0x80070057 expected; success tolerated as a SHOULD miss; other codes fail.
        let alts = parse("fails with 0x80070057, or succeeds with a SHOULD-level warning").unwrap();
        assert_eq!(judge(&alts, &rop(0x8007_0057), no_check), Judgement::Pass);
        assert!(matches!(
            judge(&alts, &rop(0), no_check),
            Judgement::PassWithWarning(w) if w.contains("success")
        ));
        assert_eq!(
            judge(&alts, &rop(0x8000_4005), no_check),
            Judgement::Fail("observed ReturnValue 0x80004005".into())
        );
    }

    #[test]
    fn the_synchronization_type_row_of_group_y() {
        // 0x80070057 preferred, 0x80040102 accepted, any other non-zero with a warning,
        // success fails.
        let alts = parse(
            "fails with one of 0x80070057, 0x80040102, or another non-zero code with a warning",
        )
        .unwrap();
        assert_eq!(judge(&alts, &rop(0x8004_0102), no_check), Judgement::Pass);
        assert!(matches!(
            judge(&alts, &rop(0x8000_4005), no_check),
            Judgement::PassWithWarning(_)
        ));
        assert!(matches!(
            judge(&alts, &rop(0), no_check),
            Judgement::Fail(_)
        ));
    }

    #[test]
    fn rpc_level_failures_and_buffer_too_small() {
        let rpc = Observed {
            rpc_failure: Some(0x4B6),
            ..Observed::default()
        };
        let alts = parse("fails, or the whole RPC fails with 0x000004B6").unwrap();
        assert_eq!(judge(&alts, &rpc, no_check), Judgement::Pass);
        assert_eq!(
            judge(&parse("fails").unwrap(), &rpc, no_check),
            Judgement::Pass
        );
        assert!(matches!(
            judge(&parse("succeeds").unwrap(), &rpc, no_check),
            Judgement::Fail(m) if m == "observed the RPC failed with 0x000004B6"
        ));
        let small = Observed {
            buffer_too_small: true,
            ..Observed::default()
        };
        let alts = parse("was answered with RopBufferTooSmall, or failed with 0x0000047D").unwrap();
        assert_eq!(judge(&alts, &small, no_check), Judgement::Pass);
        assert_eq!(judge(&alts, &rop(0x47D), no_check), Judgement::Pass);
        assert!(matches!(
            judge(&alts, &rop(0), no_check),
            Judgement::Fail(_)
        ));
    }

    #[test]
    fn getbuffer_alternatives() {
        let done = Observed {
            return_value: Some(0),
            done_empty: true,
            ..Observed::default()
        };
        let alts = parse(
            "fails with the same code as the failed GetBuffer, or returns Done with an empty buffer",
        )
        .unwrap();
        assert_eq!(judge(&alts, &done, no_check), Judgement::Pass);
        let repeated = Observed {
            return_value: Some(0x8004_0115),
            earlier_getbuffer_failure: Some(0x8004_0115),
            ..Observed::default()
        };
        assert_eq!(judge(&alts, &repeated, no_check), Judgement::Pass);
        let other = Observed {
            earlier_getbuffer_failure: Some(1),
            ..repeated
        };
        assert!(matches!(judge(&alts, &other, no_check), Judgement::Fail(_)));
        // A plain success (more data) is neither.
        assert!(matches!(
            judge(&alts, &rop(0), no_check),
            Judgement::Fail(_)
        ));
    }

    #[test]
    fn context_alternatives_are_asked_of_the_step() {
        let alts = parse("fails, or the download holds 20 message changes").unwrap();
        let mut asked = Vec::new();
        let j = judge(&alts, &rop(0), |p| {
            asked.push(p.to_owned());
            Some(true)
        });
        assert_eq!(j, Judgement::Pass);
        assert_eq!(asked, ["the download holds 20 message changes"]);
        assert!(matches!(
            judge(&alts, &rop(0), |_| Some(false)),
            Judgement::Fail(_)
        ));
        assert!(matches!(
            judge(&alts, &rop(0), no_check),
            Judgement::Fail(m) if m.contains("no check")
        ));
        // Answers 0x00040821 without the MessageId field, but not with it.
        let alts = parse("succeeds, or answers 0x00040821 without a MessageId").unwrap();
        assert_eq!(judge(&alts, &rop(0x0004_0821), no_check), Judgement::Pass);
        let shaped = Observed {
            has_message_id: true,
            ..rop(0x0004_0821)
        };
        assert!(matches!(
            judge(&alts, &shaped, no_check),
            Judgement::Fail(_)
        ));
    }
}
