//! Targets the suite runs against, and the capabilities they offer beyond the ROPs
//! (`@needs-<capability>` tags in the features).

use std::collections::BTreeSet;
use std::fmt;

/// Capabilities a `@needs-...` tag may ask for (features/README.md, "Tags").
pub const KNOWN_CAPABILITIES: &[&str] = &[
    "fault-injection",
    "behaviour-profile",
    "property-groups",
    "second-mailbox",
    "server-rollback",
    "server-version",
    "public-folders",
    "permissions",
];

/// The name of the default target: the in-process reference server.
pub const REFERENCE: &str = "reference";

/// The reference server over loopback MAPI/HTTP (`ics-harness serve` in process).
pub const LOOPBACK: &str = "loopback";

/// Whether a target name is a MAPI/HTTP mailbox endpoint URL.
pub fn is_url(name: &str) -> bool {
    name.starts_with("http://") || name.starts_with("https://")
}

/// The capabilities a control endpoint (`ics-harness serve --control`) adds to a URL target.
pub const CONTROL_CAPABILITIES: &[&str] = &[
    "fault-injection",
    "behaviour-profile",
    "permissions",
    "second-mailbox",
    "server-rollback",
];

/// A target and what it lets the harness control.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    pub capabilities: BTreeSet<String>,
}

/// Problems selecting a target.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TargetError {
    #[error("unknown target `{0}` (known: reference, loopback, or an http(s):// mailbox URL)")]
    Unknown(String),
    #[error("unknown capability `{0}` (known: {known})", known = KNOWN_CAPABILITIES.join(", "))]
    UnknownCapability(String),
}

impl Target {
    /// Resolves a target name; `capabilities` (`none` or a comma-separated list) replaces the
    /// target's own set, e.g. to see how a third-party server without fault injection is
    /// reported.
    pub fn resolve(name: &str, capabilities: Option<&str>) -> Result<Self, TargetError> {
        let own: &[&str] = match name {
            // Issue 5: the reference server offers a fault-injection control API, behaviour
            // profiles and mailbox backups (server rollback) beside the ROPs.
            REFERENCE => &[
                "fault-injection",
                "behaviour-profile",
                "permissions",
                "property-groups",
                "public-folders",
                "second-mailbox",
                "server-rollback",
                "server-version",
            ],
            // The same server behind `ics-harness serve`, started in process on 127.0.0.1,
            // with its control endpoint.
            LOOPBACK => &[
                "fault-injection",
                "behaviour-profile",
                "permissions",
                "second-mailbox",
                "server-rollback",
                "server-version",
            ],
            // A MAPI/HTTP server: control only through `--control` (see `with_control`); its
            // version comes with every response (X-ServerApplication, [MS-OXCMAPIHTTP] 2.2.3.3.7).
            url if is_url(url) => &["server-version"],
            other => return Err(TargetError::Unknown(other.to_owned())),
        };
        let capabilities = match capabilities {
            None => own.iter().map(|c| (*c).to_owned()).collect(),
            Some(list) => parse_capabilities(list)?,
        };
        Ok(Self {
            name: name.to_owned(),
            capabilities,
        })
    }

    /// A URL target with a control endpoint offers fault injection and behaviour profiles
    /// (unless the capabilities were given explicitly).
    pub fn with_control(mut self, explicit_capabilities: bool) -> Self {
        if !explicit_capabilities {
            self.capabilities
                .extend(CONTROL_CAPABILITIES.iter().map(|c| (*c).to_owned()));
        }
        self
    }

    /// The expectations file name (without `.toml`): the reference server's for `loopback`,
    /// `host_port` for a URL.
    pub fn expectations_name(&self) -> String {
        if self.name == LOOPBACK {
            return REFERENCE.to_owned();
        }
        if is_url(&self.name) {
            let rest = self.name.split_once("://").map_or("", |(_, r)| r);
            let host = rest.split(['/', '?']).next().unwrap_or("");
            return host
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
        }
        self.name.clone()
    }

    /// Whether the target offers a capability.
    pub fn has(&self, capability: &str) -> bool {
        self.capabilities.contains(capability)
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// Parses `none` or `a, b, c` into known capabilities.
pub fn parse_capabilities(list: &str) -> Result<BTreeSet<String>, TargetError> {
    if list.trim() == "none" {
        return Ok(BTreeSet::new());
    }
    list.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| {
            KNOWN_CAPABILITIES
                .contains(&c)
                .then(|| c.to_owned())
                .ok_or_else(|| TargetError::UnknownCapability(c.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_offers_fault_injection_and_profiles() {
        let t = Target::resolve("reference", None).unwrap();
        assert!(t.has("fault-injection") && t.has("behaviour-profile"));
        // Its public store has expiring messages; the loopback server has none.
        assert!(t.has("public-folders"));
        assert!(
            !Target::resolve("loopback", None)
                .unwrap()
                .has("public-folders")
        );
        assert!(t.has("second-mailbox"));
        // A URL target without a control endpoint cannot present another mailbox.
        let url = Target::resolve("http://127.0.0.1:1/mapi/emsmdb/", None).unwrap();
        assert!(!url.has("second-mailbox") && url.with_control(false).has("second-mailbox"));
    }

    #[test]
    fn capabilities_can_be_overridden() {
        let t = Target::resolve("reference", Some("none")).unwrap();
        assert!(t.capabilities.is_empty());
        let t = Target::resolve("reference", Some("permissions, public-folders")).unwrap();
        assert_eq!(t.capabilities.len(), 2);
        assert_eq!(
            Target::resolve("reference", Some("teleport")),
            Err(TargetError::UnknownCapability("teleport".into()))
        );
        let t = Target::resolve("http://127.0.0.1:8080/mapi/emsmdb/?MailboxId=a", None).unwrap();
        assert_eq!(t.capabilities.len(), 1);
        assert!(t.has("server-version"));
        assert_eq!(t.expectations_name(), "127.0.0.1_8080");
        let t = t.with_control(false);
        assert!(t.has("fault-injection") && t.has("behaviour-profile"));
        let t = Target::resolve("loopback", None).unwrap();
        assert!(t.has("fault-injection") && t.expectations_name() == "reference");
        assert_eq!(
            Target::resolve("exchange", None),
            Err(TargetError::Unknown("exchange".into()))
        );
    }
}
