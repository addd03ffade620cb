//! HTTP authentication schemes of the mailbox endpoint ([MS-OXCMAPIHTTP] 2.1: "the client
//! authenticates with the server by using HTTP authentication": Basic, NTLM or Negotiate)
//! and the parsing of `WWW-Authenticate` / `Authorization` values (RFC 9110 11.6, RFC 4559).

use std::fmt;
use std::str::FromStr;

/// How a client authenticates, or which schemes a server accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum AuthScheme {
    /// Basic (RFC 7617): user and password in every request.
    #[default]
    Basic,
    /// NTLM ([MS-NLMP]) in `Authorization: NTLM` (three legs that authenticate the TCP
    /// connection, not each request).
    Ntlm,
    /// Negotiate (RFC 4559, SPNEGO [MS-SPNG]) carrying NTLM; Kerberos would need a KDC.
    Negotiate,
    /// Client only: the first scheme the server's 401 offers, preferring Negotiate, then
    /// NTLM, then Basic.
    Auto,
}

impl AuthScheme {
    /// The scheme token of the HTTP headers (`Basic`, `NTLM`, `Negotiate`; `Auto` has none).
    pub fn token(self) -> &'static str {
        match self {
            AuthScheme::Basic => "Basic",
            AuthScheme::Ntlm => "NTLM",
            AuthScheme::Negotiate => "Negotiate",
            AuthScheme::Auto => "auto",
        }
    }

    /// Whether the scheme authenticates the connection (NTLM, Negotiate) rather than each request.
    pub fn is_connection_based(self) -> bool {
        matches!(self, AuthScheme::Ntlm | AuthScheme::Negotiate)
    }

    /// The scheme named by a header token (case-insensitive), if it is one of ours.
    pub fn from_token(token: &str) -> Option<Self> {
        [AuthScheme::Basic, AuthScheme::Ntlm, AuthScheme::Negotiate]
            .into_iter()
            .find(|s| s.token().eq_ignore_ascii_case(token))
    }
}

impl fmt::Display for AuthScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            AuthScheme::Basic => "basic",
            AuthScheme::Ntlm => "ntlm",
            AuthScheme::Negotiate => "negotiate",
            AuthScheme::Auto => "auto",
        })
    }
}

/// An unknown scheme name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown authentication scheme {0:?} (expected basic, ntlm, negotiate or auto)")]
pub struct UnknownScheme(pub String);

impl FromStr for AuthScheme {
    type Err = UnknownScheme;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "basic" => Ok(AuthScheme::Basic),
            "ntlm" => Ok(AuthScheme::Ntlm),
            "negotiate" => Ok(AuthScheme::Negotiate),
            "auto" => Ok(AuthScheme::Auto),
            _ => Err(UnknownScheme(s.to_owned())),
        }
    }
}

/// One challenge of a `WWW-Authenticate` header, or the credentials of an `Authorization`
/// header: the scheme token and, for NTLM/Negotiate, the base64 token68 after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The scheme token as sent (`NTLM`, `Negotiate`, `Basic`, or another).
    pub scheme: String,
    /// The token68 or parameters after the scheme, if any.
    pub token: Option<String>,
}

/// The challenges of one or more `WWW-Authenticate` values. Several challenges may share one
/// value separated by commas; a piece without a leading token (an auth-param of the previous
/// challenge, e.g. `charset="UTF-8"`) is skipped.
pub fn parse_challenges<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<Challenge> {
    let mut out = Vec::new();
    for value in values {
        for piece in value.split(',') {
            let piece = piece.trim();
            let (scheme, rest) = match piece.split_once(' ') {
                Some((s, r)) => (s, Some(r.trim())),
                None => (piece, None),
            };
            if scheme.is_empty() || scheme.contains('=') {
                continue;
            }
            out.push(Challenge {
                scheme: scheme.to_owned(),
                token: rest.filter(|r| !r.is_empty()).map(str::to_owned),
            });
        }
    }
    out
}

/// The token68 a challenge list carries for `scheme` (`None` when the scheme is absent,
/// `Some(None)` when it is offered without a token, i.e. the handshake was refused or restarts).
pub fn token_for(challenges: &[Challenge], scheme: AuthScheme) -> Option<Option<&str>> {
    challenges
        .iter()
        .find(|c| c.scheme.eq_ignore_ascii_case(scheme.token()))
        .map(|c| c.token.as_deref())
}

/// What a client set to `auto` should use against a server offering `challenges`.
pub fn choose(challenges: &[Challenge]) -> Option<AuthScheme> {
    [AuthScheme::Negotiate, AuthScheme::Ntlm, AuthScheme::Basic]
        .into_iter()
        .find(|s| token_for(challenges, *s).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_parse_case_insensitively() {
        assert_eq!("NTLM".parse::<AuthScheme>(), Ok(AuthScheme::Ntlm));
        assert_eq!("Negotiate".parse::<AuthScheme>(), Ok(AuthScheme::Negotiate));
        assert_eq!("auto".parse::<AuthScheme>(), Ok(AuthScheme::Auto));
        assert!("kerberos".parse::<AuthScheme>().is_err());
        assert_eq!(AuthScheme::from_token("ntlm"), Some(AuthScheme::Ntlm));
        assert_eq!(AuthScheme::from_token("Digest"), None);
    }

    #[test]
    fn challenges_split_on_commas_and_keep_tokens() {
        let c = parse_challenges([
            "Negotiate, NTLM",
            "Basic realm=\"ics\", charset=\"UTF-8\"",
            "NTLM TlRMTVNTUAACAAAA==",
        ]);
        let schemes: Vec<&str> = c.iter().map(|c| c.scheme.as_str()).collect();
        assert_eq!(schemes, ["Negotiate", "NTLM", "Basic", "NTLM"]);
        assert_eq!(token_for(&c, AuthScheme::Negotiate), Some(None));
        assert_eq!(
            token_for(&c[3..], AuthScheme::Ntlm),
            Some(Some("TlRMTVNTUAACAAAA=="))
        );
        assert_eq!(
            token_for(&c, AuthScheme::Basic),
            Some(Some("realm=\"ics\""))
        );
        assert_eq!(choose(&c), Some(AuthScheme::Negotiate));
        assert_eq!(choose(&c[1..]), Some(AuthScheme::Ntlm));
        assert_eq!(choose(&parse_challenges(["Bearer x"])), None);
    }
}
