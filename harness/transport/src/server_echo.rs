//! The responses of the server frame: headers echoed from the request, X-ResponseCode errors
//! with a text/html diagnostic, and the PROCESSING/DONE success body ([MS-OXCMAPIHTTP] 2.2.3.3,
//! 2.2.7).

use bytes::Bytes;
use hyper::header::{CONTENT_TYPE, SET_COOKIE};
use hyper::{Response, StatusCode};
use ics_wire::mapihttp::{MetaTag, ResponseCode};
use std::time::{Instant, SystemTime};

use crate::body::Chunks;
use crate::util::rfc1123;

type Resp = Response<Chunks>;

/// Request headers the response echoes ([MS-OXCMAPIHTTP] 2.2.3.3).
pub(crate) struct Echo {
    pub(crate) request_type: Option<String>,
    pub(crate) request_id: Option<String>,
    pub(crate) client_info: Option<String>,
}

impl Echo {
    fn builder(&self, code: ResponseCode, content_type: &str) -> hyper::http::response::Builder {
        let mut b = Response::builder()
            .status(StatusCode::OK)
            .header(CONTENT_TYPE, content_type)
            .header("X-ResponseCode", code.code().to_string())
            .header("X-ServerApplication", "Exchange/15.02.0000.000")
            .header("X-PendingPeriod", "30000")
            .header("X-ExpirationInfo", "900000");
        for (n, v) in [
            ("X-RequestType", &self.request_type),
            ("X-RequestId", &self.request_id),
            ("X-ClientInfo", &self.client_info),
        ] {
            if let Some(v) = v
                .as_deref()
                .filter(|v| hyper::header::HeaderValue::from_str(v).is_ok())
            {
                b = b.header(n, v);
            }
        }
        b
    }

    /// A non-zero X-ResponseCode with a text/html diagnostic ([MS-OXCMAPIHTTP] 2.2.2.2).
    pub(crate) fn error(&self, code: ResponseCode, why: &str) -> Resp {
        let html = format!(
            "<html><body>X-ResponseCode {}: {why}</body></html>",
            code.code()
        );
        self.builder(code, "text/html")
            .body(Chunks::full(html))
            .unwrap_or_default()
    }

    /// PROCESSING in its own chunk, then DONE, the additional headers and the body.
    pub(crate) fn success(
        &self,
        body: Vec<u8>,
        set_cookie: Option<String>,
        started: (Instant, SystemTime),
    ) -> Resp {
        let mut b = self.builder(ResponseCode::Success, "application/mapi-http");
        if let Some(c) = set_cookie {
            b = b.header(SET_COOKIE, c);
        }
        let mut last = MetaTag::Done.line().to_vec();
        last.extend_from_slice(
            format!("X-ElapsedTime: {}\r\n", started.0.elapsed().as_millis()).as_bytes(),
        );
        last.extend_from_slice(format!("X-StartTime: {}\r\n\r\n", rfc1123(started.1)).as_bytes());
        last.extend_from_slice(&body);
        b.body(Chunks::chunked([
            Bytes::from_static(MetaTag::Processing.line()),
            Bytes::from(last),
        ]))
        .unwrap_or_default()
    }
}

impl Default for Chunks {
    fn default() -> Self {
        Chunks::full(Bytes::new())
    }
}
