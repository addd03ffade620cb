//! The client's progress report of a download ([MS-OXCSYNC] 3.1.1.5, R-304: a
//! client MAY use the progress information to estimate the time left).
//!
//! Two sources feed it:
//! * the stream's `progressTotal` (ProgressInformation, [MS-OXCFXICS] 2.2.2.7)
//!   and `progressPerMessage` elements (2.2.4.3.18, 2.2.4.3.19), sent when
//!   SynchronizationFlags Progress is set;
//! * InProgressCount / TotalStepCount of every GetBuffer response
//!   (2.2.3.1.1.5.2), which the server MAY report inaccurately.
//!
//! The tracker keeps no clock: the caller passes the time since the download
//! started with each GetBuffer response.

use std::time::Duration;

use ics_wire::ftstream as ft;
use ics_wire::prop::PropValue;
use thiserror::Error;

/// A progress element that does not have the shape of [MS-OXCFXICS] 2.2.2.7 / 2.2.4.3.18.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum ProgressError {
    /// progressTotal without its untagged PtypBinary, or not 32 bytes long.
    #[error("progressTotal: ProgressInformation is {0:?} bytes, not 32")]
    InformationSize(Option<usize>),
    /// progressPerMessage whose value `index` (0 = MessageSize, 1 = FAI flag) is missing or of another type.
    #[error("progressPerMessage: value {index} ({field}) is missing or not {expected}")]
    PerMessageValue {
        /// Position in the propList.
        index: usize,
        /// The field's name.
        field: &'static str,
        /// The type it must have.
        expected: &'static str,
    },
    /// progressPerMessage with more than its two values.
    #[error("progressPerMessage: {0} values, not 2")]
    PerMessageCount(usize),
}

/// ProgressInformation ([MS-OXCFXICS] 2.2.2.7): what the whole download holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProgressInformation {
    /// Version (0x0000).
    pub version: u16,
    /// FAIMessageCount.
    pub fai_message_count: u32,
    /// FAIMessageTotalSize.
    pub fai_message_total_size: u64,
    /// NormalMessageCount.
    pub normal_message_count: u32,
    /// NormalMessageTotalSize.
    pub normal_message_total_size: u64,
}

impl ProgressInformation {
    /// Wire size.
    pub const SIZE: usize = 32;

    /// Decodes the 32 bytes: Version, Padding1, FAIMessageCount,
    /// FAIMessageTotalSize, NormalMessageCount, Padding2, NormalMessageTotalSize.
    pub fn decode(b: &[u8]) -> Result<Self, ProgressError> {
        let b: &[u8; Self::SIZE] = b
            .try_into()
            .map_err(|_| ProgressError::InformationSize(Some(b.len())))?;
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        let u64_at = |i: usize| u64::from(u32_at(i)) | (u64::from(u32_at(i + 4)) << 32);
        Ok(ProgressInformation {
            version: u16::from_le_bytes([b[0], b[1]]),
            fai_message_count: u32_at(4),
            fai_message_total_size: u64_at(8),
            normal_message_count: u32_at(16),
            normal_message_total_size: u64_at(24),
        })
    }

    /// Messages announced, normal and FAI.
    pub fn messages(&self) -> u64 {
        u64::from(self.fai_message_count) + u64::from(self.normal_message_count)
    }

    /// Bytes announced, normal and FAI.
    pub fn bytes(&self) -> u64 {
        self.fai_message_total_size
            .saturating_add(self.normal_message_total_size)
    }
}

/// One progressPerMessage ([MS-OXCFXICS] 2.2.4.3.18): the size of the next
/// message change and whether it is an FAI message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PerMessage {
    /// MessageSize (PtypInteger32).
    pub size: u32,
    /// The FAI flag (PtypBoolean).
    pub fai: bool,
}

impl PerMessage {
    /// Reads the two untagged values of the element's propList.
    pub fn decode(p: &ft::ProgressPerMessage) -> Result<Self, ProgressError> {
        if p.props.len() > 2 {
            return Err(ProgressError::PerMessageCount(p.props.len()));
        }
        let size = match p.props.first().map(|x| &x.value) {
            Some(PropValue::I32(v)) => *v as u32,
            _ => {
                return Err(ProgressError::PerMessageValue {
                    index: 0,
                    field: "MessageSize",
                    expected: "PtypInteger32",
                });
            }
        };
        let fai = match p.props.get(1).map(|x| &x.value) {
            Some(PropValue::Boolean(b)) => *b,
            _ => {
                return Err(ProgressError::PerMessageValue {
                    index: 1,
                    field: "FAI flag",
                    expected: "PtypBoolean",
                });
            }
        };
        Ok(PerMessage { size, fai })
    }
}

/// One GetBuffer response with data, as progress.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepSample {
    /// InProgressCount.
    pub in_progress: u16,
    /// TotalStepCount.
    pub total_steps: u16,
    /// Stream bytes received so far, this buffer included.
    pub bytes: u64,
    /// Time since the download started.
    pub at: Duration,
}

/// Where a download stands, as the client reports it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProgressReport {
    /// (messages begun, messages announced), from the stream's progress
    /// elements; `None` without a progressTotal.
    pub messages: Option<(u64, u64)>,
    /// (bytes of the messages begun, bytes announced), likewise.
    pub message_bytes: Option<(u64, u64)>,
    /// Every GetBuffer response's InProgressCount / TotalStepCount, in order.
    pub steps: Vec<StepSample>,
    /// Responses whose InProgressCount exceeded TotalStepCount or went back
    /// (the server MAY be inaccurate; the estimate then ignores the steps).
    pub inaccurate_steps: u32,
    /// Estimated time left.
    pub remaining: Option<Duration>,
}

/// Builds a [`ProgressReport`] from what one download delivers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProgressTracker {
    total: Option<ProgressInformation>,
    messages_done: u64,
    bytes_done: u64,
    /// (messages begun, elapsed) after every progressPerMessage.
    per_message_at: Vec<(u64, Duration)>,
    steps: Vec<StepSample>,
    inaccurate_steps: u32,
    stream_bytes: u64,
}

impl ProgressTracker {
    /// A tracker for a new download.
    pub fn new() -> Self {
        Self::default()
    }

    /// A GetBuffer response with `bytes` stream bytes, `at` after the start.
    pub fn on_get_buffer(
        &mut self,
        in_progress: u16,
        total_steps: u16,
        bytes: usize,
        at: Duration,
    ) {
        self.stream_bytes = self.stream_bytes.saturating_add(bytes as u64);
        let went_back = self
            .steps
            .last()
            .is_some_and(|s| in_progress < s.in_progress);
        if in_progress > total_steps || went_back {
            self.inaccurate_steps += 1;
        }
        self.steps.push(StepSample {
            in_progress,
            total_steps,
            bytes: self.stream_bytes,
            at,
        });
    }

    /// The progressTotal element.
    pub fn on_progress_total(&mut self, p: &ft::ProgressTotal) -> Result<(), ProgressError> {
        let b = p
            .progress_information()
            .ok_or(ProgressError::InformationSize(None))?;
        self.total = Some(ProgressInformation::decode(b)?);
        Ok(())
    }

    /// A progressPerMessage element: the message after it has begun.
    pub fn on_per_message(&mut self, p: &ft::ProgressPerMessage) -> Result<(), ProgressError> {
        let m = PerMessage::decode(p)?;
        self.messages_done += 1;
        self.bytes_done = self.bytes_done.saturating_add(u64::from(m.size));
        let at = self.steps.last().map_or(Duration::ZERO, |s| s.at);
        self.per_message_at.push((self.messages_done, at));
        Ok(())
    }

    /// The report so far.
    pub fn report(&self) -> ProgressReport {
        ProgressReport {
            messages: self.total.map(|t| (self.messages_done, t.messages())),
            message_bytes: self.total.map(|t| (self.bytes_done, t.bytes())),
            steps: self.steps.clone(),
            inaccurate_steps: self.inaccurate_steps,
            remaining: self.estimate(),
        }
    }

    /// Time left = time so far × work left / work done, measured in message
    /// bytes when the stream announced them, else in messages, else in
    /// GetBuffer steps when the server reported them consistently.
    fn estimate(&self) -> Option<Duration> {
        let elapsed = self.steps.last()?.at;
        let (done, total) = match self.total {
            Some(t) if t.bytes() > 0 => (self.bytes_done, t.bytes()),
            Some(t) => (self.messages_done, t.messages()),
            None => {
                let last = self.steps.last()?;
                if self.inaccurate_steps > 0 || last.total_steps == 0 {
                    return None;
                }
                (u64::from(last.in_progress), u64::from(last.total_steps))
            }
        };
        if done >= total {
            return Some(Duration::ZERO);
        }
        if done == 0 {
            return None;
        }
        let left = u128::from(total - done);
        let nanos = elapsed.as_nanos().saturating_mul(left) / u128::from(done);
        Some(Duration::from_nanos(
            u64::try_from(nanos).unwrap_or(u64::MAX),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ics_wire::ftstream::{FtProp, ics_tags};
    use ics_wire::prop::{PropTag, PropType};

    fn untagged(ty: PropType, value: PropValue) -> FtProp {
        FtProp {
            tag: PropTag::new(0, ty),
            name: None,
            value,
        }
    }

    fn info(normal: u32, normal_size: u64, fai: u32, fai_size: u64) -> Vec<u8> {
        let mut b = vec![0u8; 4];
        b.extend_from_slice(&fai.to_le_bytes());
        b.extend_from_slice(&fai_size.to_le_bytes());
        b.extend_from_slice(&normal.to_le_bytes());
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(&normal_size.to_le_bytes());
        b
    }

    fn total(b: Vec<u8>) -> ft::ProgressTotal {
        ft::ProgressTotal {
            props: vec![FtProp {
                tag: ics_tags::UNTAGGED_BINARY,
                name: None,
                value: PropValue::Binary(b),
            }],
        }
    }

    fn per(size: i32, fai: bool) -> ft::ProgressPerMessage {
        ft::ProgressPerMessage {
            props: vec![
                untagged(PropType::INTEGER32, PropValue::I32(size)),
                untagged(PropType::BOOLEAN, PropValue::Boolean(fai)),
            ],
        }
    }

    #[test]
    fn decodes_progress_information_fields_at_their_offsets() {
        let p = ProgressInformation::decode(&info(3, 3000, 1, 0x1_0000_0010)).unwrap();
        assert_eq!(p.version, 0);
        assert_eq!(p.normal_message_count, 3);
        assert_eq!(p.normal_message_total_size, 3000);
        assert_eq!(p.fai_message_count, 1);
        assert_eq!(p.fai_message_total_size, 0x1_0000_0010);
        assert_eq!(p.messages(), 4);
        assert_eq!(
            ProgressInformation::decode(&[0; 31]),
            Err(ProgressError::InformationSize(Some(31)))
        );
    }

    #[test]
    fn counts_messages_and_estimates_from_their_sizes() {
        let mut t = ProgressTracker::new();
        t.on_progress_total(&total(info(3, 300, 1, 100))).unwrap();
        t.on_get_buffer(1, 4, 1000, Duration::from_secs(1));
        t.on_per_message(&per(100, false)).unwrap();
        let r = t.report();
        assert_eq!(r.messages, Some((1, 4)));
        assert_eq!(r.message_bytes, Some((100, 400)));
        // 100 of 400 bytes in 1 s: 3 s left.
        assert_eq!(r.remaining, Some(Duration::from_secs(3)));
        for _ in 0..3 {
            t.on_per_message(&per(100, true)).unwrap();
        }
        t.on_get_buffer(4, 4, 10, Duration::from_secs(2));
        let r = t.report();
        assert_eq!(r.messages, Some((4, 4)));
        assert_eq!(r.remaining, Some(Duration::ZERO));
        assert_eq!(r.steps.len(), 2);
        assert_eq!(r.steps[1].bytes, 1010);
        assert_eq!(r.inaccurate_steps, 0);
    }

    #[test]
    fn without_progress_elements_the_steps_give_the_estimate_unless_inaccurate() {
        let mut t = ProgressTracker::new();
        t.on_get_buffer(1, 2, 10, Duration::from_millis(500));
        let r = t.report();
        assert_eq!(r.messages, None);
        assert_eq!(r.remaining, Some(Duration::from_millis(500)));
        t.on_get_buffer(3, 2, 10, Duration::from_millis(600));
        let r = t.report();
        assert_eq!(r.inaccurate_steps, 1);
        assert_eq!(r.remaining, None);
    }

    #[test]
    fn malformed_progress_elements_are_errors_naming_the_field() {
        let mut t = ProgressTracker::new();
        assert_eq!(
            t.on_progress_total(&ft::ProgressTotal { props: vec![] }),
            Err(ProgressError::InformationSize(None))
        );
        let bad = ft::ProgressPerMessage {
            props: vec![untagged(PropType::INTEGER32, PropValue::I32(5))],
        };
        let e = t.on_per_message(&bad).unwrap_err();
        assert!(e.to_string().contains("FAI flag"), "{e}");
        let mut three = per(1, false);
        three
            .props
            .push(untagged(PropType::BOOLEAN, PropValue::Boolean(true)));
        assert_eq!(
            t.on_per_message(&three),
            Err(ProgressError::PerMessageCount(3))
        );
        assert_eq!(t.report().messages, None);
    }
}
