//! Authentication of the server frame: Basic per request, NTLM and Negotiate per connection
//! (RFC 4559: the handshake's legs are requests answered with 401 and a token; once it
//! succeeds, later requests on the same connection need no Authorization header).

use std::collections::HashMap;
use std::sync::Mutex;

use base64::Engine as _;

use crate::auth::{AuthScheme, parse_challenges};
use crate::sspi_auth::{Accepted, Acceptor};

const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// Realm of the Basic challenge.
const REALM: &str = "ics-harness";

/// The authentication state of one connection.
#[derive(Default)]
pub struct ConnAuth {
    /// A handshake waiting for its next leg.
    handshake: Option<(AuthScheme, Acceptor)>,
    /// The user NTLM/Negotiate authenticated this connection as.
    user: Option<String>,
}

/// The result of authenticating one request.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Go on as `user`; `header` is a WWW-Authenticate value for the response (Negotiate's
    /// final token).
    User {
        /// The authenticated user.
        user: String,
        /// WWW-Authenticate of the response, if any.
        header: Option<String>,
    },
    /// Answer 401 with these WWW-Authenticate values (the next leg's token, or the offered
    /// schemes when the credentials are missing or refused).
    Challenge(Vec<String>),
}

/// The schemes a server accepts (an empty list means Basic only).
fn accepted(schemes: &[AuthScheme]) -> Vec<AuthScheme> {
    let mut v: Vec<AuthScheme> = schemes
        .iter()
        .copied()
        .filter(|s| *s != AuthScheme::Auto)
        .collect();
    if v.is_empty() {
        v.push(AuthScheme::Basic);
    }
    v
}

/// The WWW-Authenticate values offering every accepted scheme (Negotiate first).
pub fn offers(schemes: &[AuthScheme]) -> Vec<String> {
    let mut v = accepted(schemes);
    v.sort_by_key(|s| match s {
        AuthScheme::Negotiate => 0,
        AuthScheme::Ntlm => 1,
        _ => 2,
    });
    v.into_iter()
        .map(|s| match s {
            AuthScheme::Basic => format!("Basic realm=\"{REALM}\""),
            other => other.token().to_owned(),
        })
        .collect()
}

/// Authenticates one request of a connection with `conn` state.
pub fn authenticate(
    schemes: &[AuthScheme],
    users: &HashMap<String, String>,
    conn: &Mutex<ConnAuth>,
    authorization: Option<&str>,
) -> Verdict {
    let accepted = accepted(schemes);
    let refuse = || Verdict::Challenge(offers(schemes));
    let Ok(mut conn) = conn.lock() else {
        return refuse();
    };
    let Some(authorization) = authorization else {
        return match &conn.user {
            Some(user) => Verdict::User {
                user: user.clone(),
                header: None,
            },
            None => refuse(),
        };
    };
    let Some(credentials) = parse_challenges([authorization]).into_iter().next() else {
        return refuse();
    };
    let Some(scheme) = AuthScheme::from_token(&credentials.scheme).filter(|s| accepted.contains(s))
    else {
        return refuse();
    };
    let Some(token) = credentials.token else {
        return refuse();
    };
    if scheme == AuthScheme::Basic {
        return match basic_user(users, &token) {
            Some(user) => Verdict::User { user, header: None },
            None => refuse(),
        };
    }
    // NTLM / Negotiate: a new Authorization restarts the connection's identity.
    conn.user = None;
    let Ok(token) = BASE64.decode(token.trim()) else {
        conn.handshake = None;
        return refuse();
    };
    let mut acceptor = match conn.handshake.take() {
        Some((s, a)) if s == scheme && !is_first_leg(&token) => a,
        _ => match Acceptor::new(scheme, &token, users) {
            Ok(a) => a,
            Err(_) => return refuse(),
        },
    };
    match acceptor.step(&token, users) {
        Ok(Accepted::Continue(out)) => {
            conn.handshake = Some((scheme, acceptor));
            Verdict::Challenge(vec![format!("{} {}", scheme.token(), BASE64.encode(out))])
        }
        Ok(Accepted::Done { user, token }) => {
            conn.user = Some(user.clone());
            let header =
                (!token.is_empty()).then(|| format!("{} {}", scheme.token(), BASE64.encode(token)));
            Verdict::User { user, header }
        }
        Err(_) => refuse(),
    }
}

/// Whether a token opens a handshake: an NTLM NEGOTIATE_MESSAGE ([MS-NLMP] 2.2.1.1,
/// MessageType 1) or a GSS-API InitialContextToken (RFC 2743 3.1, tag 0x60).
fn is_first_leg(token: &[u8]) -> bool {
    token.starts_with(b"NTLMSSP\0\x01\0\0\0") || token.first() == Some(&0x60)
}

/// The user whose Basic credentials (`base64(user:password)`) match, if any.
fn basic_user(users: &HashMap<String, String>, b64: &str) -> Option<String> {
    let raw = BASE64.decode(b64.trim()).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (user, password) = text.split_once(':')?;
    (users.get(user)? == password).then(|| user.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sspi_auth::Initiator;

    fn users() -> HashMap<String, String> {
        HashMap::from([("alice".to_string(), "wonder".to_string())])
    }

    #[test]
    fn basic_only_by_default() {
        let conn = Mutex::new(ConnAuth::default());
        let v = authenticate(&[], &users(), &conn, None);
        assert_eq!(
            v,
            Verdict::Challenge(vec!["Basic realm=\"ics-harness\"".into()])
        );
        let ok = format!("Basic {}", BASE64.encode("alice:wonder"));
        assert!(matches!(
            authenticate(&[], &users(), &conn, Some(&ok)),
            Verdict::User { .. }
        ));
        let bad = format!("Basic {}", BASE64.encode("alice:x"));
        assert!(matches!(
            authenticate(&[], &users(), &conn, Some(&bad)),
            Verdict::Challenge(_)
        ));
        // NTLM is not accepted unless configured.
        assert!(matches!(
            authenticate(&[], &users(), &conn, Some("NTLM TlRMTVNTUAABAAAA")),
            Verdict::Challenge(_)
        ));
        // Basic does not authenticate the connection.
        assert!(matches!(
            authenticate(&[], &users(), &conn, None),
            Verdict::Challenge(_)
        ));
    }

    #[test]
    fn ntlm_legs_authenticate_the_connection() {
        let schemes = [AuthScheme::Ntlm, AuthScheme::Basic];
        assert_eq!(offers(&schemes), ["NTLM", "Basic realm=\"ics-harness\""]);
        let conn = Mutex::new(ConnAuth::default());
        let mut client = Initiator::new(AuthScheme::Ntlm, "alice", "wonder").unwrap();
        let leg = client.step(None, "HTTP/h").unwrap();
        let h = format!("NTLM {}", BASE64.encode(leg.token));
        let Verdict::Challenge(c) = authenticate(&schemes, &users(), &conn, Some(&h)) else {
            panic!("no challenge");
        };
        let token = BASE64.decode(c[0].strip_prefix("NTLM ").unwrap()).unwrap();
        let leg = client.step(Some(&token), "HTTP/h").unwrap();
        let h = format!("NTLM {}", BASE64.encode(leg.token));
        assert_eq!(
            authenticate(&schemes, &users(), &conn, Some(&h)),
            Verdict::User {
                user: "alice".into(),
                header: None
            }
        );
        // Later requests of the connection carry no Authorization.
        assert!(matches!(
            authenticate(&schemes, &users(), &conn, None),
            Verdict::User { .. }
        ));
        // A fresh connection is not authenticated.
        let other = Mutex::new(ConnAuth::default());
        assert!(matches!(
            authenticate(&schemes, &users(), &other, None),
            Verdict::Challenge(_)
        ));
        // Garbage restarts: refused, the connection's identity is gone.
        assert!(matches!(
            authenticate(&schemes, &users(), &conn, Some("NTLM !!!")),
            Verdict::Challenge(_)
        ));
        assert!(matches!(
            authenticate(&schemes, &users(), &conn, None),
            Verdict::Challenge(_)
        ));
    }
}
