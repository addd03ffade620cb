//! The authentication legs of [`MapiHttpClient`] requests: Basic credentials on each request;
//! NTLM/Negotiate handshakes (RFC 4559) on a new connection, whose legs and later requests
//! must share that connection (the handshake authenticates the connection, not the request).

use base64::Engine as _;
use hyper::Response;
use hyper::header::WWW_AUTHENTICATE;

use crate::auth::{AuthScheme, choose, parse_challenges, token_for};
use crate::client::{BASE64, MapiHttpClient};
use crate::error::TransportError;
use crate::sspi_auth::Initiator;

/// An NTLM/Negotiate handshake under way, bound to the connection it started on.
pub(crate) struct Handshake {
    initiator: Initiator,
    connection: u64,
}

impl MapiHttpClient {
    /// The Basic Authorization value (RFC 7617).
    pub(crate) fn basic(&self) -> String {
        let credentials = BASE64.encode(format!("{}:{}", self.user, self.password));
        format!("Basic {credentials}")
    }

    /// The Authorization header of a request's first leg: Basic credentials; none for `auto`
    /// (the 401 says what the server offers) or on a connection NTLM/Negotiate already
    /// authenticated; else the first token of a new handshake.
    pub(crate) async fn first_authorization(
        &mut self,
        handshake: &mut Option<Handshake>,
    ) -> Result<Option<String>, TransportError> {
        match self.auth {
            AuthScheme::Basic => Ok(Some(self.basic())),
            AuthScheme::Auto => Ok(None),
            AuthScheme::Ntlm | AuthScheme::Negotiate => {
                self.sender().await?;
                if self.authenticated == Some(self.connection) {
                    return Ok(None);
                }
                self.start_handshake(handshake).map(Some)
            }
        }
    }

    /// A new NTLM/Negotiate context on the current connection and its first token.
    fn start_handshake(
        &mut self,
        handshake: &mut Option<Handshake>,
    ) -> Result<String, TransportError> {
        let scheme = self.auth;
        let fail = |reason: String| TransportError::Auth {
            scheme: scheme.token(),
            reason,
        };
        let mut initiator = Initiator::new(scheme, &self.user, &self.password).map_err(fail)?;
        let leg = initiator.step(None, &self.spn()).map_err(fail)?;
        *handshake = Some(Handshake {
            initiator,
            connection: self.connection,
        });
        self.authenticated = None;
        Ok(format!("{} {}", scheme.token(), BASE64.encode(leg.token)))
    }

    /// After a 401 carrying `challenges`: the Authorization header of the next leg, or the
    /// error that ends the request (credentials refused, broken handshake).
    pub(crate) async fn next_leg(
        &mut self,
        challenges: &[String],
        handshake: &mut Option<Handshake>,
    ) -> Result<Option<String>, TransportError> {
        let parsed = parse_challenges(challenges.iter().map(String::as_str));
        let refused = || TransportError::Unauthorized {
            challenge: (!challenges.is_empty()).then(|| challenges.join(", ")),
        };
        if self.auth == AuthScheme::Auto {
            self.auth = choose(&parsed).ok_or_else(refused)?;
            return self.first_authorization(handshake).await;
        }
        if self.auth == AuthScheme::Basic {
            return Err(refused());
        }
        let Some(h) = handshake.as_mut() else {
            // The connection was authenticated, but the server asks again: one new handshake.
            return self.start_handshake(handshake).map(Some);
        };
        let Some(Some(token)) = token_for(&parsed, self.auth) else {
            // The scheme offered afresh (no token): the credentials were refused.
            return Err(refused());
        };
        let scheme = self.auth.token();
        let fail = |reason: String| TransportError::Auth { scheme, reason };
        let token = BASE64
            .decode(token)
            .map_err(|e| fail(format!("challenge token is not base64: {e}")))?;
        let connection = h.connection;
        self.sender().await?;
        if self.connection != connection {
            return Err(fail(
                "the server closed the connection during the handshake".into(),
            ));
        }
        let spn = self.spn();
        let h = handshake
            .as_mut()
            .ok_or_else(|| fail("no handshake".into()))?;
        let leg = h.initiator.step(Some(&token), &spn).map_err(fail)?;
        Ok(Some(format!("{scheme} {}", BASE64.encode(leg.token))))
    }

    /// A response other than 401 ends the handshake: the connection is authenticated; a
    /// final Negotiate token (the server's mechListMIC) is checked.
    pub(crate) fn finish_handshake(
        &mut self,
        mut h: Handshake,
        resp: &Response<hyper::body::Incoming>,
    ) -> Result<(), TransportError> {
        let scheme = self.auth;
        let values = resp
            .headers()
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok());
        let parsed = parse_challenges(values);
        if let Some(Some(token)) = token_for(&parsed, scheme) {
            let fail = |reason: String| TransportError::Auth {
                scheme: scheme.token(),
                reason: format!("final token: {reason}"),
            };
            let token = BASE64.decode(token).map_err(|e| fail(e.to_string()))?;
            let leg = h.initiator.step(Some(&token), &self.spn()).map_err(fail)?;
            if !leg.done {
                return Err(fail("the context is still incomplete".into()));
            }
        }
        self.authenticated = Some(h.connection);
        Ok(())
    }

    /// The service principal name of the endpoint (`HTTP/host`).
    fn spn(&self) -> String {
        let host = self
            .authority
            .rsplit_once(':')
            .map_or(self.authority.as_str(), |(h, _)| h);
        format!("HTTP/{host}")
    }
}
