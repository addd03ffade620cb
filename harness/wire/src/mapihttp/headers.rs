//! Values of the X-RequestType ([MS-OXCMAPIHTTP] 2.2.3.3.1) and
//! X-ResponseCode ([MS-OXCMAPIHTTP] 2.2.3.3.3) headers.

use std::fmt;
use std::str::FromStr;

macro_rules! request_types {
    ($($(#[$m:meta])* $v:ident = $s:literal,)*) => {
        /// X-RequestType: the operation of a request, echoed in the response.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum RequestType { $($(#[$m])* $v,)* }

        impl RequestType {
            /// Every request type, mailbox endpoint first.
            pub const ALL: &'static [RequestType] = &[$(RequestType::$v,)*];

            /// The header value as the spec spells it.
            pub fn as_str(self) -> &'static str {
                match self { $(RequestType::$v => $s,)* }
            }
        }
    };
}

request_types! {
    /// Mailbox: create a Session Context ([MS-OXCMAPIHTTP] 2.2.4.1).
    Connect = "Connect",
    /// Mailbox: run ROPs ([MS-OXCMAPIHTTP] 2.2.4.2).
    Execute = "Execute",
    /// Mailbox: destroy the Session Context ([MS-OXCMAPIHTTP] 2.2.4.3).
    Disconnect = "Disconnect",
    /// Mailbox: wait for an event ([MS-OXCMAPIHTTP] 2.2.4.4).
    NotificationWait = "NotificationWait",
    /// Both endpoints: keep-alive ([MS-OXCMAPIHTTP] 2.2.6).
    Ping = "PING",
    /// Address book.
    Bind = "Bind",
    /// Address book.
    Unbind = "Unbind",
    /// Address book.
    CompareMIds = "CompareMIds",
    /// Address book.
    DnToMId = "DNToMId",
    /// Address book.
    GetMatches = "GetMatches",
    /// Address book.
    GetPropList = "GetPropList",
    /// Address book.
    GetProps = "GetProps",
    /// Address book.
    GetSpecialTable = "GetSpecialTable",
    /// Address book.
    GetTemplateInfo = "GetTemplateInfo",
    /// Address book.
    ModLinkAtt = "ModLinkAtt",
    /// Address book.
    ModProps = "ModProps",
    /// Address book.
    QueryColumns = "QueryColumns",
    /// Address book.
    QueryRows = "QueryRows",
    /// Address book.
    ResolveNames = "ResolveNames",
    /// Address book.
    ResortRestriction = "ResortRestriction",
    /// Address book.
    SeekEntries = "SeekEntries",
    /// Address book.
    UpdateStat = "UpdateStat",
    /// Address book.
    GetMailboxUrl = "GetMailboxUrl",
    /// Address book.
    GetAddressBookUrl = "GetAddressBookUrl",
}

impl fmt::Display for RequestType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A header value that is not one of the defined ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {header} value {value:?}")]
pub struct UnknownHeaderValue {
    /// The header.
    pub header: &'static str,
    /// The value received (at most 64 characters of it).
    pub value: String,
}

fn unknown(header: &'static str, s: &str) -> UnknownHeaderValue {
    UnknownHeaderValue {
        header,
        value: s.chars().take(64).collect(),
    }
}

impl FromStr for RequestType {
    type Err = UnknownHeaderValue;
    /// Case-insensitive match on the spec's spelling.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        RequestType::ALL
            .iter()
            .copied()
            .find(|r| r.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| unknown("X-RequestType", s))
    }
}

macro_rules! response_codes {
    ($($(#[$m:meta])* $v:ident = $n:literal,)*) => {
        /// X-ResponseCode: transport-level status of a request. 0 is success;
        /// anything else means the body is diagnostic text, not a MAPI/HTTP body.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[repr(u32)]
        pub enum ResponseCode { $($(#[$m])* $v = $n,)* }

        impl ResponseCode {
            /// Every defined code, in numeric order.
            pub const ALL: &'static [ResponseCode] = &[$(ResponseCode::$v,)*];

            /// The code for a number, if defined.
            pub fn from_code(n: u32) -> Option<Self> {
                match n { $($n => Some(ResponseCode::$v),)* _ => None }
            }
        }
    };
}

response_codes! {
    /// 0.
    Success = 0,
    /// 1.
    UnknownFailure = 1,
    /// 2.
    InvalidVerb = 2,
    /// 3.
    InvalidPath = 3,
    /// 4.
    InvalidHeader = 4,
    /// 5.
    InvalidRequestType = 5,
    /// 6.
    InvalidContextCookie = 6,
    /// 7.
    MissingHeader = 7,
    /// 8.
    AnonymousNotAllowed = 8,
    /// 9.
    TooLarge = 9,
    /// 10: the Session Context is gone; reconnect ([MS-OXCMAPIHTTP] 3.2.5.6).
    ContextNotFound = 10,
    /// 11.
    NoPrivilege = 11,
    /// 12.
    InvalidRequestBody = 12,
    /// 13.
    MissingCookie = 13,
    /// 14: reserved, to be ignored.
    Reserved = 14,
    /// 15: concurrent requests in one Session Context.
    InvalidSequence = 15,
    /// 16.
    EndpointDisabled = 16,
    /// 17.
    InvalidResponse = 17,
    /// 18.
    EndpointShuttingDown = 18,
}

impl ResponseCode {
    /// The numeric code.
    pub fn code(self) -> u32 {
        self as u32
    }
}

impl fmt::Display for ResponseCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

impl FromStr for ResponseCode {
    type Err = UnknownHeaderValue;
    /// A decimal number (surrounding whitespace allowed) naming a defined code.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(unknown("X-ResponseCode", s));
        }
        t.parse::<u32>()
            .ok()
            .and_then(ResponseCode::from_code)
            .ok_or_else(|| unknown("X-ResponseCode", s))
    }
}
