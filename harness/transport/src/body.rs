//! A response body made of a fixed list of chunks.

use bytes::Bytes;
use hyper::body::{Body, Frame, SizeHint};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Chunks sent as they are; with `exact == false` hyper uses chunked
/// transfer coding, one HTTP chunk per entry (as [MS-OXCMAPIHTTP] 2.2.7
/// streams PROCESSING first, then DONE and the body).
pub struct Chunks {
    chunks: VecDeque<Bytes>,
    exact: bool,
}

impl Chunks {
    /// Chunked transfer coding.
    pub fn chunked(chunks: impl IntoIterator<Item = Bytes>) -> Self {
        Chunks {
            chunks: chunks.into_iter().collect(),
            exact: false,
        }
    }

    /// One buffer with Content-Length.
    pub fn full(b: impl Into<Bytes>) -> Self {
        Chunks {
            chunks: VecDeque::from([b.into()]),
            exact: true,
        }
    }
}

impl Body for Chunks {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.chunks.pop_front().map(|b| Ok(Frame::data(b))))
    }

    fn is_end_stream(&self) -> bool {
        self.chunks.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        if self.exact {
            SizeHint::with_exact(self.chunks.iter().map(|c| c.len() as u64).sum())
        } else {
            SizeHint::default()
        }
    }
}
