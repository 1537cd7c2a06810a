//! Basic authentication against bcrypt hashes, with the result of a correct password kept so
//! that a scrape does not cost a bcrypt each time.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use sha2::{Digest, Sha256};

use crate::yaml_file::{Fields, FileError};

/// The most correct (user, password) pairs remembered; past it the memory starts again.
const MAX_REMEMBERED: usize = 100;

/// A hash of cost 10 that no password given matches, checked for an unknown user so that its
/// answer takes as long as a known user's.
const DUMMY_HASH: &str = "$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi";

/// The users and their bcrypt hashes (`basic_auth_users`). `Debug` shows the user names only.
#[derive(Clone, Default)]
pub struct BasicAuth {
    users: Arc<BTreeMap<String, String>>,
    /// SHA-256 digests of (user, password, hash) found correct.
    remembered: Arc<Mutex<HashSet<[u8; 32]>>>,
}

impl fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicAuth").field("users", &self.users.keys().collect::<Vec<_>>()).finish_non_exhaustive()
    }
}

impl BasicAuth {
    /// Users from `(name, bcrypt hash)` pairs; each hash must be a bcrypt hash.
    pub fn new(users: impl IntoIterator<Item = (String, String)>) -> Result<Self, String> {
        let mut map = BTreeMap::new();
        for (user, hash) in users {
            if hash.parse::<bcrypt::HashParts>().is_err() {
                return Err(user);
            }
            map.insert(user, hash);
        }
        Ok(Self { users: Arc::new(map), remembered: Arc::default() })
    }

    /// `basic_auth_users`: a mapping of user names to bcrypt hashes.
    pub(crate) fn from_fields(users: &Fields<'_>) -> Result<Self, FileError> {
        let mut pairs = Vec::new();
        for (user, _) in users.entries()? {
            let hash = users.string(&user)?.ok_or_else(|| users.error(&user, None, "must be a bcrypt hash"))?;
            pairs.push((user, hash));
        }
        // The hash is a secret: the error names the user only.
        Self::new(pairs).map_err(|user| users.error(&user, None, "must be a bcrypt hash ($2a$, $2b$ or $2y$)"))
    }

    /// Whether any user is configured: without one, every request is let in.
    pub fn is_enabled(&self) -> bool {
        !self.users.is_empty()
    }

    /// Whether the `Authorization` header value names a user with its password. A bcrypt runs
    /// on tokio's blocking pool, and only the first time a correct pair is seen (an unknown
    /// user costs one too, against a hash no password matches).
    pub async fn check(&self, authorization: Option<&str>) -> bool {
        let Some((user, password)) = authorization.and_then(decode) else { return false };
        let hash = self.users.get(&user).cloned();
        let key = digest(&user, &password, hash.as_deref().unwrap_or(DUMMY_HASH));
        if hash.is_some() && self.remembered.lock().unwrap_or_else(PoisonError::into_inner).contains(&key) {
            return true;
        }
        let verified = tokio::task::spawn_blocking(move || {
            let matches = bcrypt::verify(&password, hash.as_deref().unwrap_or(DUMMY_HASH)).unwrap_or(false);
            hash.is_some() && matches
        })
        .await
        .unwrap_or(false);
        if verified {
            let mut remembered = self.remembered.lock().unwrap_or_else(PoisonError::into_inner);
            if remembered.len() >= MAX_REMEMBERED {
                remembered.clear();
            }
            remembered.insert(key);
        }
        verified
    }
}

/// The user and password of a `Basic` authorization.
fn decode(header: &str) -> Option<(String, String)> {
    let (scheme, encoded) = header.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let bytes = base64_decode(encoded.trim())?;
    let text = String::from_utf8(bytes).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Standard base64 with padding, as `Basic` credentials are written.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

fn digest(user: &str, password: &str, hash: &str) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [user, password, hash] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    h.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user: &str, password: &str) -> String {
        use base64::Engine;
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")))
    }

    #[tokio::test(flavor = "current_thread")]
    async fn the_right_password_passes_and_others_do_not() {
        let hash = bcrypt::hash("s3cret", 4).unwrap_or_default();
        let auth = BasicAuth::new([("prometheus".to_owned(), hash.clone())]).unwrap_or_default();
        assert!(auth.check(Some(&basic("prometheus", "s3cret"))).await);
        assert!(auth.check(Some(&basic("prometheus", "s3cret"))).await, "remembered");
        assert!(!auth.check(Some(&basic("prometheus", "wrong"))).await);
        assert!(!auth.check(Some(&basic("nobody", "s3cret"))).await);
        assert!(!auth.check(Some("Bearer x")).await);
        assert!(!auth.check(None).await);
        assert!(!format!("{auth:?}").contains(&hash), "no hash in Debug");
    }

    #[test]
    fn a_hash_that_is_not_bcrypt_is_refused_by_user_name() {
        assert_eq!(BasicAuth::new([("alice".to_owned(), "plain".to_owned())]).err(), Some("alice".to_owned()));
    }
}
