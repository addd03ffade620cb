//! NTLM ([MS-NLMP]) and Negotiate (SPNEGO, [MS-SPNG]; NTLM inside) security contexts of the
//! `sspi` crate, one leg at a time: [`Initiator`] for the client, [`Acceptor`] for the server.
//! The HTTP legs (RFC 4559: `Authorization` / `WWW-Authenticate` with a base64 token) are the
//! callers' business; these types only turn tokens into tokens.

use std::collections::HashMap;

use sspi::ntlm::NtlmConfig;
use sspi::{
    AuthIdentity, AuthIdentityBuffers, BufferType, ClientRequestFlags, CredentialUse, Credentials,
    CredentialsBuffers, DataRepresentation, Negotiate, NegotiateConfig, Ntlm, SecurityBuffer,
    SecurityStatus, ServerRequestFlags, Sspi, SspiEx, SspiImpl, Username,
};

use crate::auth::AuthScheme;

/// The only mechanism offered inside SPNEGO: Kerberos would need a KDC (sspi's
/// `network_client`), PKU2U is not used by Exchange.
const PACKAGES: &str = "ntlm,!kerberos,!pku2u";
/// Workstation name sent in NTLM messages.
const WORKSTATION: &str = "ICS-HARNESS";
/// The name sspi's Negotiate acceptor lets in without a password check (guest logon).
const GUEST: &str = "guest";

fn requirements() -> ClientRequestFlags {
    ClientRequestFlags::MUTUAL_AUTH
        | ClientRequestFlags::USE_SESSION_KEY
        | ClientRequestFlags::INTEGRITY
        | ClientRequestFlags::CONFIDENTIALITY
}

fn negotiate_config() -> NegotiateConfig {
    NegotiateConfig::new(
        Box::new(NtlmConfig::new(WORKSTATION.into())),
        Some(PACKAGES.into()),
        WORKSTATION.into(),
    )
}

/// Runs one sspi call, turning a panic into an error: picky-krb 0.13.1 panics on some
/// malformed SPNEGO tokens (`gss_api.rs:336`, an `unwrap` on a DER error) instead of
/// returning one, and tokens come from the peer.
fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(format!("{what}: malformed token (sspi panicked)")))
}

fn is_done(status: SecurityStatus) -> bool {
    matches!(status, SecurityStatus::Ok | SecurityStatus::CompleteNeeded)
}

/// The client side of one handshake.
pub enum Initiator {
    /// Plain NTLM.
    Ntlm {
        /// The context.
        ctx: Box<Ntlm>,
        /// Its credentials handle.
        creds: Option<AuthIdentityBuffers>,
    },
    /// SPNEGO with NTLM.
    Negotiate {
        /// The context.
        ctx: Box<Negotiate>,
        /// Its credentials handle.
        creds: Option<CredentialsBuffers>,
    },
}

/// The output of one client leg.
#[derive(Debug)]
pub struct Leg {
    /// Token to send (may be empty on the last leg).
    pub token: Vec<u8>,
    /// The context is established on our side.
    pub done: bool,
}

impl Initiator {
    /// A context for `user` (`user`, `DOMAIN\user` or `user@domain`) and `password`.
    pub fn new(scheme: AuthScheme, user: &str, password: &str) -> Result<Self, String> {
        let username = Username::parse(user).map_err(|e| format!("user name {user:?}: {e}"))?;
        let identity = AuthIdentity {
            username,
            password: password.to_owned().into(),
        };
        match scheme {
            AuthScheme::Ntlm => {
                let mut ctx = Ntlm::with_config(NtlmConfig::new(WORKSTATION.into()));
                let creds = ctx
                    .acquire_credentials_handle()
                    .with_credential_use(CredentialUse::Outbound)
                    .with_auth_data(&identity)
                    .execute(&mut ctx)
                    .map_err(|e| e.to_string())?
                    .credentials_handle;
                Ok(Initiator::Ntlm {
                    ctx: Box::new(ctx),
                    creds,
                })
            }
            AuthScheme::Negotiate => {
                let mut ctx =
                    Negotiate::new_client(negotiate_config()).map_err(|e| e.to_string())?;
                let credentials = Credentials::AuthIdentity(identity);
                let creds = ctx
                    .acquire_credentials_handle()
                    .with_credential_use(CredentialUse::Outbound)
                    .with_auth_data(&credentials)
                    .execute(&mut ctx)
                    .map_err(|e| e.to_string())?
                    .credentials_handle;
                Ok(Initiator::Negotiate {
                    ctx: Box::new(ctx),
                    creds,
                })
            }
            AuthScheme::Basic | AuthScheme::Auto => Err(format!("{scheme} is not an SSPI scheme")),
        }
    }

    /// One leg: `input` is the server's token (`None` before the first leg); `target` the
    /// service principal name (`HTTP/host`).
    pub fn step(&mut self, input: Option<&[u8]>, target: &str) -> Result<Leg, String> {
        guarded("server token", || self.step_inner(input, target))
    }

    fn step_inner(&mut self, input: Option<&[u8]>, target: &str) -> Result<Leg, String> {
        let mut input = [SecurityBuffer::new(
            input.map(<[u8]>::to_vec).unwrap_or_default(),
            BufferType::Token,
        )];
        let mut output = [SecurityBuffer::new(Vec::new(), BufferType::Token)];
        let status = match self {
            Initiator::Ntlm { ctx, creds } => {
                let mut b = ctx
                    .initialize_security_context()
                    .with_credentials_handle(creds)
                    .with_context_requirements(requirements())
                    .with_target_data_representation(DataRepresentation::Native)
                    .with_target_name(target)
                    .with_input(&mut input)
                    .with_output(&mut output);
                ctx.initialize_security_context_impl(&mut b)
                    .and_then(|mut g| g.resolve_to_result())
                    .map_err(|e| e.to_string())?
                    .status
            }
            Initiator::Negotiate { ctx, creds } => {
                let mut b = ctx
                    .initialize_security_context()
                    .with_credentials_handle(creds)
                    .with_context_requirements(requirements())
                    .with_target_data_representation(DataRepresentation::Native)
                    .with_target_name(target)
                    .with_input(&mut input)
                    .with_output(&mut output);
                ctx.initialize_security_context_impl(&mut b)
                    .and_then(|mut g| g.resolve_to_result())
                    .map_err(|e| e.to_string())?
                    .status
            }
        };
        let [out] = output;
        Ok(Leg {
            token: out.buffer,
            done: is_done(status),
        })
    }
}

/// The server side of one handshake.
pub enum Acceptor {
    /// Plain NTLM (also a bare NTLM token sent under `Negotiate`).
    Ntlm(Box<Ntlm>),
    /// SPNEGO with NTLM.
    Negotiate(Box<Negotiate>),
}

/// What the server answers to one leg.
#[derive(Debug, PartialEq, Eq)]
pub enum Accepted {
    /// Send this token in a 401 and wait for the next leg.
    Continue(Vec<u8>),
    /// Authenticated as `user` (a key of the users table); `token` (possibly empty) goes in
    /// the WWW-Authenticate header of the response.
    Done {
        /// The user.
        user: String,
        /// The final token.
        token: Vec<u8>,
    },
}

/// The key of `users` an NTLM account name stands for: exact, else ASCII case-insensitive.
fn user_key<'a>(users: &'a HashMap<String, String>, account: &str) -> Option<&'a String> {
    users
        .get_key_value(account)
        .map(|(k, _)| k)
        .or_else(|| users.keys().find(|k| k.eq_ignore_ascii_case(account)))
}

impl Acceptor {
    /// An acceptor for the first token of a handshake under `scheme` (a bare NTLM token under
    /// `Negotiate` gets a plain NTLM acceptor).
    pub fn new(
        scheme: AuthScheme,
        first_token: &[u8],
        users: &HashMap<String, String>,
    ) -> Result<Self, String> {
        let bare_ntlm = first_token.starts_with(b"NTLMSSP\0");
        match scheme {
            AuthScheme::Ntlm => Ok(Acceptor::Ntlm(Box::new(Ntlm::with_config(
                NtlmConfig::default(),
            )))),
            AuthScheme::Negotiate if bare_ntlm => Ok(Acceptor::Ntlm(Box::new(Ntlm::with_config(
                NtlmConfig::default(),
            )))),
            AuthScheme::Negotiate => {
                let mut auth_data = Vec::with_capacity(users.len());
                for (user, password) in users {
                    if user.eq_ignore_ascii_case(GUEST) {
                        continue;
                    }
                    auth_data.push(AuthIdentity {
                        username: Username::parse(user)
                            .map_err(|e| format!("user {user:?}: {e}"))?,
                        password: password.clone().into(),
                    });
                }
                Negotiate::new_server(negotiate_config(), auth_data)
                    .map(|n| Acceptor::Negotiate(Box::new(n)))
                    .map_err(|e| e.to_string())
            }
            AuthScheme::Basic | AuthScheme::Auto => Err(format!("{scheme} is not an SSPI scheme")),
        }
    }

    /// One leg of the handshake. An `Err` (malformed token, unknown user, wrong password) ends
    /// it: the caller answers 401 and a new handshake starts afresh.
    pub fn step(
        &mut self,
        input: &[u8],
        users: &HashMap<String, String>,
    ) -> Result<Accepted, String> {
        guarded("client token", || self.step_inner(input, users))
    }

    fn step_inner(
        &mut self,
        input: &[u8],
        users: &HashMap<String, String>,
    ) -> Result<Accepted, String> {
        let mut input = [SecurityBuffer::new(input.to_vec(), BufferType::Token)];
        let mut output = [SecurityBuffer::new(Vec::new(), BufferType::Token)];
        match self {
            Acceptor::Ntlm(ctx) => {
                let mut creds: Option<AuthIdentityBuffers> = None;
                let b = ctx
                    .accept_security_context()
                    .with_credentials_handle(&mut creds)
                    .with_context_requirements(ServerRequestFlags::empty())
                    .with_target_data_representation(DataRepresentation::Native)
                    .with_input(&mut input)
                    .with_output(&mut output);
                let status = ctx
                    .accept_security_context_impl(b)
                    .and_then(|mut g| g.resolve_to_result())
                    .map_err(|e| e.to_string())?
                    .status;
                let [out] = output;
                if !is_done(status) {
                    return Ok(Accepted::Continue(out.buffer));
                }
                // AUTHENTICATE read: the user it names, then its password is checked.
                let username = ctx
                    .query_context_names()
                    .map_err(|e| e.to_string())?
                    .username;
                let user = user_key(users, username.account_name())
                    .ok_or_else(|| format!("unknown user {:?}", username.account_name()))?;
                ctx.custom_set_auth_identity(AuthIdentity {
                    username: username.clone(),
                    password: users[user].clone().into(),
                })
                .map_err(|e| e.to_string())?;
                ctx.complete_auth_token(&mut [])
                    .map_err(|e| format!("user {user:?}: {e}"))?;
                Ok(Accepted::Done {
                    user: user.clone(),
                    token: out.buffer,
                })
            }
            Acceptor::Negotiate(ctx) => {
                let mut creds: Option<CredentialsBuffers> = None;
                let b = ctx
                    .accept_security_context()
                    .with_credentials_handle(&mut creds)
                    .with_context_requirements(ServerRequestFlags::empty())
                    .with_target_data_representation(DataRepresentation::Native)
                    .with_input(&mut input)
                    .with_output(&mut output);
                let status = ctx
                    .accept_security_context_impl(b)
                    .and_then(|mut g| g.resolve_to_result())
                    .map_err(|e| e.to_string())?
                    .status;
                let [out] = output;
                if status != SecurityStatus::Ok {
                    return Ok(Accepted::Continue(out.buffer));
                }
                let username = ctx
                    .query_context_names()
                    .map_err(|e| e.to_string())?
                    .username;
                let account = username.account_name();
                if account.eq_ignore_ascii_case(GUEST) {
                    // sspi accepts a guest logon without a password check: never here.
                    return Err("guest logon refused".into());
                }
                let user =
                    user_key(users, account).ok_or_else(|| format!("unknown user {account:?}"))?;
                Ok(Accepted::Done {
                    user: user.clone(),
                    token: out.buffer,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users() -> HashMap<String, String> {
        [("alice", "wonder"), ("bob", "builder")]
            .into_iter()
            .map(|(u, p)| (u.to_string(), p.to_string()))
            .collect()
    }

    /// Runs a whole handshake in memory; `Ok(user)` or the acceptor's refusal.
    fn handshake(scheme: AuthScheme, user: &str, password: &str) -> Result<String, String> {
        let users = users();
        let mut client = Initiator::new(scheme, user, password).unwrap();
        let mut leg = client.step(None, "HTTP/localhost").unwrap();
        let mut server = Acceptor::new(scheme, &leg.token, &users).unwrap();
        for _ in 0..4 {
            match server.step(&leg.token, &users)? {
                Accepted::Continue(t) => leg = client.step(Some(&t), "HTTP/localhost").unwrap(),
                Accepted::Done { user, token } => {
                    if !token.is_empty() {
                        // SPNEGO's final token (mechListMIC) is checked by the client.
                        assert!(client.step(Some(&token), "HTTP/localhost").unwrap().done);
                    }
                    return Ok(user);
                }
            }
        }
        panic!("no result after 4 legs");
    }

    #[test]
    fn ntlm_handshake_names_the_user_and_checks_the_password() {
        assert_eq!(
            handshake(AuthScheme::Ntlm, "alice", "wonder"),
            Ok("alice".into())
        );
        assert_eq!(
            handshake(AuthScheme::Ntlm, "BOB", "builder"),
            Ok("bob".into())
        );
        // bob's password is no good for alice.
        assert!(handshake(AuthScheme::Ntlm, "alice", "builder").is_err());
        let e = handshake(AuthScheme::Ntlm, "carol", "wonder").unwrap_err();
        assert!(e.contains("unknown user"), "{e}");
    }

    #[test]
    fn negotiate_handshake_carries_ntlm() {
        assert_eq!(
            handshake(AuthScheme::Negotiate, "alice", "wonder"),
            Ok("alice".into())
        );
        assert!(handshake(AuthScheme::Negotiate, "alice", "builder").is_err());
        assert!(handshake(AuthScheme::Negotiate, "carol", "x").is_err());
        assert!(handshake(AuthScheme::Negotiate, "guest", "").is_err());
    }

    #[test]
    fn first_tokens_have_the_expected_shape() {
        let mut c = Initiator::new(AuthScheme::Ntlm, "alice", "wonder").unwrap();
        let leg = c.step(None, "HTTP/h").unwrap();
        assert!(
            leg.token.starts_with(b"NTLMSSP\0\x01\0\0\0"),
            "NEGOTIATE_MESSAGE"
        );
        assert!(!leg.done);
        let mut c = Initiator::new(AuthScheme::Negotiate, "alice", "wonder").unwrap();
        let leg = c.step(None, "HTTP/h").unwrap();
        assert_eq!(leg.token[0], 0x60, "GSS-API InitialContextToken");
        // Garbage is refused, not a panic.
        let mut a = Acceptor::new(AuthScheme::Negotiate, b"\x60\x00", &users()).unwrap();
        assert!(a.step(b"\x60\x00", &users()).is_err());
        let mut a = Acceptor::new(AuthScheme::Ntlm, b"junk", &users()).unwrap();
        assert!(a.step(b"junk", &users()).is_err());
    }
}
