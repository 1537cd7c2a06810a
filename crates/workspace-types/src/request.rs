//! The validated input of `ListDesktopsConnectStatus`.

use std::borrow::Cow;

use crate::ConnectStatus;
use crate::limits::{MAX_LIMIT, MAX_OFFSET, MAX_USER_NAMES};
use crate::validation::{ValidationError, ValidationErrorKind as Kind};

/// The query of `GET /v2/{project_id}/connect-desktops`, validated.
///
/// User names are kept sorted and without duplicates: that is the order the wire and the
/// signature use, whatever order they were given in.
///
/// ```
/// use workspace_types::{ConnectStatus, ListDesktopsConnectStatusRequest};
///
/// let req = ListDesktopsConnectStatusRequest::builder()
///     .user_names(["zhang_san", "alice"])
///     .connect_status(ConnectStatus::Connected)
///     .limit(50)
///     .build()?;
/// assert_eq!(req.user_names(), ["alice", "zhang_san"]);
/// # Ok::<(), workspace_types::ValidationError>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ListDesktopsConnectStatusRequest {
    user_names: Vec<String>,
    connect_status: Option<ConnectStatus>,
    offset: Option<u32>,
    limit: Option<u32>,
}

impl ListDesktopsConnectStatusRequest {
    /// A builder with nothing set: the service's defaults (all desktops, offset 0, limit 100).
    pub fn builder() -> ListDesktopsConnectStatusRequestBuilder {
        ListDesktopsConnectStatusRequestBuilder::default()
    }

    /// A builder holding this request's values, to change some of them.
    pub fn to_builder(&self) -> ListDesktopsConnectStatusRequestBuilder {
        ListDesktopsConnectStatusRequestBuilder {
            user_names: self.user_names.clone(),
            connect_status: self.connect_status.clone(),
            offset: self.offset,
            limit: self.limit,
        }
    }

    /// The user names filtered on, sorted and without duplicates.
    pub fn user_names(&self) -> &[String] {
        &self.user_names
    }

    /// The connection status filtered on.
    pub fn connect_status(&self) -> Option<&ConnectStatus> {
        self.connect_status.as_ref()
    }

    /// The offset, when set.
    pub fn offset(&self) -> Option<u32> {
        self.offset
    }

    /// The limit, when set.
    pub fn limit(&self) -> Option<u32> {
        self.limit
    }

    /// The same request at another offset.
    pub fn with_offset(&self, offset: u32) -> Result<Self, ValidationError> {
        check_range("offset", offset, MAX_OFFSET)?;
        Ok(Self { offset: Some(offset), ..self.clone() })
    }

    /// The same request with another limit.
    pub fn with_limit(&self, limit: u32) -> Result<Self, ValidationError> {
        check_range("limit", limit, MAX_LIMIT)?;
        Ok(Self { limit: Some(limit), ..self.clone() })
    }

    /// The same request filtering on another connection status.
    pub fn with_connect_status(&self, status: ConnectStatus) -> Result<Self, ValidationError> {
        self.to_builder().connect_status(status).build()
    }

    /// The same request filtering on other user names (at most 100).
    pub fn with_user_names(&self, names: Vec<String>) -> Result<Self, ValidationError> {
        let mut b = self.to_builder();
        b.user_names = names;
        b.build()
    }

    /// The query parameters, unencoded, in canonical order: keys sorted, and repeated
    /// `user_names` sorted by their raw text. Unset parameters are left out.
    pub fn query_pairs(&self) -> Vec<(&'static str, Cow<'_, str>)> {
        let mut pairs = Vec::with_capacity(3 + self.user_names.len());
        if let Some(s) = &self.connect_status {
            pairs.push(("connect_status", Cow::Borrowed(s.as_str())));
        }
        if let Some(l) = self.limit {
            pairs.push(("limit", Cow::Owned(l.to_string())));
        }
        if let Some(o) = self.offset {
            pairs.push(("offset", Cow::Owned(o.to_string())));
        }
        pairs.extend(self.user_names.iter().map(|n| ("user_names", Cow::Borrowed(n.as_str()))));
        pairs
    }

    /// Reads a request back from decoded query parameters, applying the same rules as the
    /// builder. Parameters the operation does not define are ignored, as the service ignores them.
    pub fn from_query_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Result<Self, ValidationError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut b = Self::builder();
        let (mut status, mut offset, mut limit) = (false, false, false);
        for (k, v) in pairs {
            let v = v.as_ref();
            match k.as_ref() {
                "user_names" => b = b.user_name(v),
                "connect_status" => b = b.connect_status(ConnectStatus::from(once(&mut status, "connect_status", v)?)),
                "offset" => b = b.offset(number("offset", once(&mut offset, "offset", v)?)?),
                "limit" => b = b.limit(number("limit", once(&mut limit, "limit", v)?)?),
                _ => {}
            }
        }
        b.build()
    }
}

/// Refuses a parameter given twice.
fn once<'v>(seen: &mut bool, field: &'static str, v: &'v str) -> Result<&'v str, ValidationError> {
    if std::mem::replace(seen, true) {
        return Err(ValidationError::text(Kind::Malformed, field, v, "may be given only once"));
    }
    Ok(v)
}

/// Reads a decimal number for `field`.
fn number(field: &'static str, v: &str) -> Result<u32, ValidationError> {
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ValidationError::text(Kind::Malformed, field, v, "must be a whole number from 0 to 2000"));
    }
    // All digits: the only failure left is overflow, which is out of range.
    v.parse().map_err(|_| ValidationError::text(Kind::OutOfRange, field, v, "must be between 0 and 2000"))
}

fn check_range(field: &'static str, v: u32, max: u32) -> Result<(), ValidationError> {
    if v > max {
        return Err(ValidationError::new(Kind::OutOfRange, field, v, format!("must be between 0 and {max}")));
    }
    Ok(())
}

/// Refuses an empty value: the documentation gives the filters no format, so any other text is
/// sent as given and the service decides; an empty one is almost always a caller's mistake (an
/// empty line, a split of nothing), and what the service makes of `user_names=` is undocumented.
fn non_empty(field: impl Into<Cow<'static, str>>, value: &str) -> Result<(), ValidationError> {
    if value.is_empty() {
        return Err(ValidationError::text(Kind::Empty, field, value, "must not be empty"));
    }
    Ok(())
}

/// Builds a [`ListDesktopsConnectStatusRequest`]; [`build`](Self::build) checks every rule.
#[derive(Clone, Debug, Default)]
#[must_use]
pub struct ListDesktopsConnectStatusRequestBuilder {
    user_names: Vec<String>,
    connect_status: Option<ConnectStatus>,
    offset: Option<u32>,
    limit: Option<u32>,
}

impl ListDesktopsConnectStatusRequestBuilder {
    /// Adds user names to filter on (at most 100 distinct names): desktops attached to any of them
    /// match. Any non-empty text is a name; it is percent-encoded on the wire as the official SDK
    /// encodes it, and the service decides what matches.
    pub fn user_names<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.user_names.extend(names.into_iter().map(Into::into));
        self
    }

    /// Adds one user name to filter on.
    pub fn user_name(mut self, name: impl Into<String>) -> Self {
        self.user_names.push(name.into());
        self
    }

    /// Filters on one connection status: one of the documented four, or a value the service added
    /// later (`ConnectStatus::from("HIBERNATED")`), sent as given.
    pub fn connect_status(mut self, status: ConnectStatus) -> Self {
        self.connect_status = Some(status);
        self
    }

    /// Skips this many matching desktops (0 to 2000; the service's default is 0).
    pub fn offset(mut self, offset: u32) -> Self {
        self.offset = Some(offset);
        self
    }

    /// The offset set so far, if any (not checked yet).
    pub fn get_offset(&self) -> Option<u32> {
        self.offset
    }

    /// Returns at most this many desktops (0 to 2000; the service's default is 100).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Checks every rule except the 100-name limit, and returns one request per batch of at most
    /// 100 user names (one request when no names are given). Names are sorted and de-duplicated
    /// first, so batches never share a name.
    pub fn build_batches(self) -> Result<Vec<ListDesktopsConnectStatusRequest>, ValidationError> {
        let Self { user_names, connect_status, offset, limit } = self;
        let base = Self { user_names: Vec::new(), connect_status, offset, limit }.build()?;
        for (i, name) in user_names.iter().enumerate() {
            non_empty(format!("user_names[{i}]"), name)?;
        }
        let mut names = user_names;
        names.sort_unstable();
        names.dedup();
        if names.is_empty() {
            return Ok(vec![base]);
        }
        Ok(names
            .chunks(MAX_USER_NAMES)
            .map(|batch| ListDesktopsConnectStatusRequest { user_names: batch.to_vec(), ..base.clone() })
            .collect())
    }

    /// Checks every rule and returns the request, or the first broken rule.
    pub fn build(self) -> Result<ListDesktopsConnectStatusRequest, ValidationError> {
        let Self { mut user_names, connect_status, offset, limit } = self;
        for (i, name) in user_names.iter().enumerate() {
            non_empty(format!("user_names[{i}]"), name)?;
        }
        user_names.sort_unstable();
        user_names.dedup();
        if user_names.len() > MAX_USER_NAMES {
            return Err(ValidationError::new(
                Kind::TooMany,
                "user_names",
                format!("({} distinct names)", user_names.len()),
                format!("at most {MAX_USER_NAMES} user names per request"),
            ));
        }
        if let Some(s) = &connect_status {
            non_empty("connect_status", s.as_str())?;
        }
        if let Some(o) = offset {
            check_range("offset", o, MAX_OFFSET)?;
        }
        if let Some(l) = limit {
            check_range("limit", l, MAX_LIMIT)?;
        }
        Ok(ListDesktopsConnectStatusRequest { user_names, connect_status, offset, limit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn build(b: ListDesktopsConnectStatusRequestBuilder) -> ValidationError {
        b.build().unwrap_err()
    }

    #[test]
    fn every_bad_input_names_field_value_and_rule() {
        let b = ListDesktopsConnectStatusRequest::builder;
        let cases: Vec<(ValidationError, &str, Kind)> = vec![
            (build(b().offset(2001)), "invalid offset 2001: must be between 0 and 2000", Kind::OutOfRange),
            (build(b().limit(5000)), "invalid limit 5000: must be between 0 and 2000", Kind::OutOfRange),
            (
                build(b().connect_status(ConnectStatus::from(""))),
                r#"invalid connect_status "": must not be empty"#,
                Kind::Empty,
            ),
            (build(b().user_names(["alice", ""])), r#"invalid user_names[1] "": must not be empty"#, Kind::Empty),
            (
                build(b().user_names((0..101).map(|i| format!("u{i}")))),
                "invalid user_names (101 distinct names): at most 100 user names per request",
                Kind::TooMany,
            ),
        ];
        for (err, expected, kind) in cases {
            assert!(err.to_string().contains(expected), "{err} does not contain {expected}");
            assert_eq!(err.kind(), kind, "{err}");
        }
    }

    #[test]
    fn any_non_empty_name_and_any_status_are_sent_as_given() {
        let odd = ["john.smith", "张三", "_lead", "dev@corp", "a,b", "bob\r\nX: y", "x y"];
        let long = "x".repeat(70);
        let r = ListDesktopsConnectStatusRequest::builder()
            .user_names(odd)
            .user_name(long.as_str())
            .connect_status(ConnectStatus::from("HIBERNATED"))
            .build()
            .unwrap();
        assert_eq!(r.user_names().len(), 8);
        assert_eq!(r.connect_status().map(ConnectStatus::as_str), Some("HIBERNATED"));
        let back = ListDesktopsConnectStatusRequest::from_query_pairs(r.query_pairs()).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn duplicates_do_not_count_towards_the_100() {
        let names = (0..100).map(|i| format!("u{i}")).chain((0..100).map(|i| format!("u{i}")));
        assert_eq!(
            ListDesktopsConnectStatusRequest::builder().user_names(names).build().unwrap().user_names().len(),
            100
        );
    }

    #[test]
    fn boundaries_are_accepted() {
        let r = ListDesktopsConnectStatusRequest::builder()
            .offset(0)
            .limit(0)
            .user_names((0..99).map(|i| format!("user{i:03}")))
            .user_name("x".repeat(640))
            .user_name("user000")
            .build()
            .unwrap();
        assert_eq!(r.user_names().len(), 100);
        assert!(ListDesktopsConnectStatusRequest::builder().offset(2000).limit(2000).build().is_ok());
    }

    #[test]
    fn query_pairs_are_canonical() {
        let r = ListDesktopsConnectStatusRequest::builder()
            .user_names(["zhang_san", "bob-1", "alice", "Zoe"])
            .connect_status(ConnectStatus::Connected)
            .offset(0)
            .limit(50)
            .build()
            .unwrap();
        let pairs: Vec<String> = r.query_pairs().iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            pairs,
            [
                "connect_status=CONNECTED",
                "limit=50",
                "offset=0",
                "user_names=Zoe",
                "user_names=alice",
                "user_names=bob-1",
                "user_names=zhang_san"
            ]
        );
        assert!(ListDesktopsConnectStatusRequest::default().query_pairs().is_empty());
    }

    #[test]
    fn from_query_pairs_checks_what_arrived() {
        let err = ListDesktopsConnectStatusRequest::from_query_pairs([("limit", "ten")]).unwrap_err();
        assert_eq!(err.to_string(), r#"invalid limit "ten": must be a whole number from 0 to 2000"#);
        let err = ListDesktopsConnectStatusRequest::from_query_pairs([("offset", "99999999999")]).unwrap_err();
        assert_eq!(err.kind(), Kind::OutOfRange);
        let err = ListDesktopsConnectStatusRequest::from_query_pairs([("offset", "-1")]).unwrap_err();
        assert_eq!(err.kind(), Kind::Malformed);
        let err = ListDesktopsConnectStatusRequest::from_query_pairs([("limit", "1"), ("limit", "2")]).unwrap_err();
        assert_eq!(err.to_string(), r#"invalid limit "2": may be given only once"#);
        let r = ListDesktopsConnectStatusRequest::from_query_pairs([("marker", "x"), ("limit", "7")]).unwrap();
        assert_eq!(r.limit(), Some(7));
    }

    #[test]
    fn batches_of_at_most_100_names() {
        let names: Vec<String> = (0..250).map(|i| format!("user{i:03}")).chain(["user000".to_owned()]).collect();
        let batches = ListDesktopsConnectStatusRequest::builder()
            .user_names(names)
            .connect_status(ConnectStatus::Connected)
            .build_batches()
            .unwrap();
        assert_eq!(batches.iter().map(|b| b.user_names().len()).collect::<Vec<_>>(), [100, 100, 50]);
        assert_eq!(batches[1].user_names()[0], "user100");
        assert!(batches.iter().all(|b| b.connect_status() == Some(&ConnectStatus::Connected)));
        assert_eq!(ListDesktopsConnectStatusRequest::builder().build_batches().unwrap().len(), 1);
        let err = ListDesktopsConnectStatusRequest::builder().user_names(["ok", ""]).build_batches().unwrap_err();
        assert_eq!(err.field(), "user_names[1]");
    }

    #[test]
    fn with_offset_and_limit_keep_the_rest() {
        let r = ListDesktopsConnectStatusRequest::builder().user_name("a").build().unwrap();
        let r2 = r.with_offset(300).unwrap().with_limit(7).unwrap();
        assert_eq!((r2.offset(), r2.limit(), r2.user_names()), (Some(300), Some(7), r.user_names()));
        assert_eq!(r.with_offset(2001).unwrap_err().field(), "offset");
    }

    fn user_name() -> impl Strategy<Value = String> {
        ".{1,20}"
    }

    proptest! {
        #[test]
        fn query_pairs_read_back_to_the_same_request(
            names in proptest::collection::vec(user_name(), 0..120),
            status in proptest::option::of(0usize..4),
            offset in proptest::option::of(0u32..=2000),
            limit in proptest::option::of(0u32..=2000),
        ) {
            let mut b = ListDesktopsConnectStatusRequest::builder().user_names(names);
            if let Some(s) = status { b = b.connect_status(ConnectStatus::KNOWN[s].clone()); }
            if let Some(o) = offset { b = b.offset(o); }
            if let Some(l) = limit { b = b.limit(l); }
            match b.build() {
                Ok(req) => {
                    let back = ListDesktopsConnectStatusRequest::from_query_pairs(req.query_pairs()).unwrap();
                    prop_assert_eq!(back, req);
                }
                Err(e) => prop_assert_eq!(e.kind(), Kind::TooMany),
            }
        }

        #[test]
        fn validation_never_panics(name in ".*", n in any::<u32>()) {
            let _ = ListDesktopsConnectStatusRequest::builder().user_name(name.clone()).offset(n).build();
            let _ = ListDesktopsConnectStatusRequest::from_query_pairs([("user_names", name.as_str()), ("limit", name.as_str())]);
        }

        #[test]
        fn order_of_names_does_not_matter(mut names in proptest::collection::vec(user_name(), 0..50)) {
            let a = ListDesktopsConnectStatusRequest::builder().user_names(names.clone()).build().unwrap();
            names.reverse();
            let b = ListDesktopsConnectStatusRequest::builder().user_names(names).build().unwrap();
            prop_assert_eq!(a, b);
        }
    }
}
