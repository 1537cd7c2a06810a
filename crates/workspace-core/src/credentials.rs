//! Credentials: AK/SK (optionally temporary, with a security token) or an IAM token.
//!
//! Secret values live in newtypes whose `Debug` shows nothing secret; they have no `Display` and
//! no `Serialize`, and their memory is zeroed when dropped. Read one only through
//! `expose_secret()`.

use std::fmt;

use zeroize::Zeroizing;

use crate::error::ConfigError;

/// Defines a secret newtype: redacted `Debug`, no `Display`, zeroed on drop.
macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(Zeroizing<String>);

        impl $name {
            /// The secret value. Never log it.
            pub fn expose_secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret_type! {
    /// The secret access key (SK) that signs requests.
    SecretAccessKey
}

secret_type! {
    /// The security token of temporary AK/SK credentials, sent as `X-Security-Token`.
    SecurityToken
}

secret_type! {
    /// An IAM token, sent as `X-Auth-Token` instead of a signature.
    AuthToken
}

/// The access key id (AK). It is an identifier, not a secret: it is sent in every `Authorization`
/// header, so `Debug` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessKeyId(String);

impl AccessKeyId {
    /// The access key id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An access key pair, with the security token of temporary credentials when there is one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AkSk {
    ak: AccessKeyId,
    sk: SecretAccessKey,
    security_token: Option<SecurityToken>,
}

impl AkSk {
    /// Permanent credentials. Both values must be non-empty printable ASCII without spaces.
    pub fn new(ak: impl Into<String>, sk: impl Into<String>) -> Result<Self, ConfigError> {
        let ak = ak.into();
        let sk = Zeroizing::new(sk.into());
        check("ak", &ak, true)?;
        check("sk", &sk, false)?;
        Ok(Self { ak: AccessKeyId(ak), sk: SecretAccessKey(sk), security_token: None })
    }

    /// Temporary credentials: the pair plus the security token issued with it.
    pub fn temporary(
        ak: impl Into<String>,
        sk: impl Into<String>,
        security_token: impl Into<String>,
    ) -> Result<Self, ConfigError> {
        let token = Zeroizing::new(security_token.into());
        check("security_token", &token, false)?;
        Ok(Self { security_token: Some(SecurityToken(token)), ..Self::new(ak, sk)? })
    }

    /// The access key id.
    pub fn access_key_id(&self) -> &AccessKeyId {
        &self.ak
    }

    /// The secret access key.
    pub fn secret_access_key(&self) -> &SecretAccessKey {
        &self.sk
    }

    /// The security token, for temporary credentials.
    pub fn security_token(&self) -> Option<&SecurityToken> {
        self.security_token.as_ref()
    }
}

/// How requests prove who sends them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Credentials {
    /// Sign each request with SDK-HMAC-SHA256.
    AkSk(AkSk),
    /// Send an IAM token in `X-Auth-Token`; nothing is signed.
    Token(AuthToken),
}

impl Credentials {
    /// Permanent AK/SK credentials.
    pub fn ak_sk(ak: impl Into<String>, sk: impl Into<String>) -> Result<Self, ConfigError> {
        AkSk::new(ak, sk).map(Self::AkSk)
    }

    /// Temporary AK/SK credentials with their security token.
    pub fn temporary(
        ak: impl Into<String>,
        sk: impl Into<String>,
        security_token: impl Into<String>,
    ) -> Result<Self, ConfigError> {
        AkSk::temporary(ak, sk, security_token).map(Self::AkSk)
    }

    /// An IAM token.
    pub fn token(token: impl Into<String>) -> Result<Self, ConfigError> {
        let token = Zeroizing::new(token.into());
        check("auth_token", &token, false)?;
        Ok(Self::Token(AuthToken(token)))
    }
}

/// Refuses values that are empty or that could not travel safely in a header.
/// The error names the field and, for identifiers only, echoes the value.
fn check(field: &str, value: &str, echo: bool) -> Result<(), ConfigError> {
    if value.is_empty() {
        return Err(ConfigError::invalid_secret(field, "is empty"));
    }
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        let rule = "must be printable ASCII without spaces or control characters";
        return Err(if echo {
            ConfigError::invalid(field, value, rule)
        } else {
            ConfigError::invalid_secret(field, rule)
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SK: &str = "exampleSecretKey0123456789abcdefghijklmnop";
    const TOKEN: &str = "gQpjbi1ub3J0aC00hqaOExampleSecurityToken+/=";

    #[test]
    fn debug_never_shows_a_secret() {
        let all = [
            Credentials::ak_sk("AKEXAMPLE", SK).unwrap(),
            Credentials::temporary("AKEXAMPLE", SK, TOKEN).unwrap(),
            Credentials::token(TOKEN).unwrap(),
        ];
        for c in &all {
            let d = format!("{c:?} {c:#?}");
            assert!(!d.contains(SK) && !d.contains(TOKEN), "{d}");
            assert!(d.contains("[redacted]"), "{d}");
        }
        assert!(format!("{:?}", all[0]).contains("AKEXAMPLE"));
        assert_eq!(format!("{:?}", SecretAccessKey(Zeroizing::new(SK.into()))), "SecretAccessKey([redacted])");
    }

    #[test]
    fn header_unsafe_or_empty_values_are_refused_without_echoing_secrets() {
        let e = Credentials::ak_sk("AK", "").unwrap_err();
        assert_eq!(e.to_string(), "invalid configuration: sk is empty");
        let e = Credentials::ak_sk("AK\r\nX-Evil: 1", SK).unwrap_err();
        assert!(e.to_string().contains(r#"ak "AK\r\nX-Evil: 1" must be printable ASCII"#), "{e}");
        let e = Credentials::temporary("AK", SK, "tok\nen-secret").unwrap_err();
        assert!(!e.to_string().contains("en-secret"), "{e}");
        assert!(Credentials::token("a b").is_err());
    }

    #[test]
    fn secrets_are_reachable_explicitly() {
        let AkSk { sk, .. } = AkSk::new("AK", SK).unwrap();
        assert_eq!(sk.expose_secret(), SK);
    }
}
