//! The body of an error response, read the way the official SDKs read it.

use serde_json::{Map, Value};

/// What an error response's JSON body says.
///
/// The service and its gateway answer with `{"error_code", "error_msg", "error_detail",
/// "encoded_authorization_message", "request_id"}`. Like the official SDKs, the code and message
/// are taken from the first complete pair of `error_code`/`error_msg`, `errorCode`/`errorMsg` or
/// `code`/`message`, looking into nested objects (such as `{"error": {"code", "message"}}`) when
/// the top level has none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ErrorBody {
    /// The error code, such as `APIGW.0301` or `WKS.0001`.
    pub error_code: Option<String>,
    /// The error message.
    pub error_msg: Option<String>,
    /// Further detail, when the service gives it (JSON that is not a string is kept as JSON text).
    pub error_detail: Option<String>,
    /// An encoded explanation of an authorization failure, when the service gives it.
    pub encoded_authorization_message: Option<String>,
    /// The request id, when the body carries one.
    pub request_id: Option<String>,
}

/// The key pairs that name a code and a message, in the order they are tried.
const PAIRS: [(&str, &str); 3] = [("error_code", "error_msg"), ("errorCode", "errorMsg"), ("code", "message")];

/// How deep nested objects are searched for a code and message.
const MAX_DEPTH: usize = 8;

impl ErrorBody {
    /// Reads an error body, or `None` when the bytes are not a JSON object.
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        match serde_json::from_slice::<Value>(bytes).ok()? {
            Value::Object(map) => Some(Self::from_object(&map)),
            _ => None,
        }
    }

    fn from_object(map: &Map<String, Value>) -> Self {
        let (error_code, error_msg) = find_pair(map, 0).unzip();
        Self {
            error_code,
            error_msg,
            error_detail: map.get("error_detail").and_then(text),
            encoded_authorization_message: map.get("encoded_authorization_message").and_then(text),
            request_id: map.get("request_id").and_then(text),
        }
    }
}

/// The first complete, non-empty code/message pair at this level, else in nested objects.
fn find_pair(map: &Map<String, Value>, depth: usize) -> Option<(String, String)> {
    let here = PAIRS.iter().find_map(|(c, m)| {
        let code = map.get(*c).and_then(text)?;
        let msg = map.get(*m).and_then(text)?;
        Some((code, msg))
    });
    if here.is_some() || depth >= MAX_DEPTH {
        return here;
    }
    map.values().find_map(|v| match v {
        Value::Object(inner) => find_pair(inner, depth + 1),
        _ => None,
    })
}

/// A JSON value as text: strings as they are, numbers and other JSON as JSON; empty or null is none.
fn text(v: &Value) -> Option<String> {
    let s = match v {
        Value::Null => return None,
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    (!s.is_empty()).then_some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_shape() {
        let b = ErrorBody::parse(
            br#"{"error_code":"WKS.0001","error_msg":"Invalid parameter","error_detail":"limit","encoded_authorization_message":"enc"}"#,
        )
        .unwrap();
        assert_eq!(b.error_code.as_deref(), Some("WKS.0001"));
        assert_eq!(b.error_msg.as_deref(), Some("Invalid parameter"));
        assert_eq!(b.error_detail.as_deref(), Some("limit"));
        assert_eq!(b.encoded_authorization_message.as_deref(), Some("enc"));
        assert_eq!(b.request_id, None);
    }

    #[test]
    fn gateway_shape_with_request_id() {
        let b = ErrorBody::parse(
            br#"{"error_code":"APIGW.0301","error_msg":"Incorrect IAM authentication information: verify aksk signature fail","request_id":"r-1"}"#,
        )
        .unwrap();
        assert_eq!(b.error_code.as_deref(), Some("APIGW.0301"));
        assert_eq!(b.request_id.as_deref(), Some("r-1"));
    }

    #[test]
    fn fallback_pairs_and_nesting() {
        let b = ErrorBody::parse(br#"{"errorCode":"X.1","errorMsg":"camel"}"#).unwrap();
        assert_eq!((b.error_code.unwrap(), b.error_msg.unwrap()), ("X.1".into(), "camel".into()));
        let b = ErrorBody::parse(br#"{"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}}"#).unwrap();
        assert_eq!(b.error_code.as_deref(), Some("401"));
        assert!(b.error_msg.unwrap().starts_with("The request"));
    }

    #[test]
    fn an_incomplete_pair_does_not_count() {
        let b = ErrorBody::parse(br#"{"error_code":"WKS.0001","code":"C","message":"M"}"#).unwrap();
        assert_eq!(b.error_code.as_deref(), Some("C"));
        let b = ErrorBody::parse(br#"{"error_code":"WKS.0001","error_msg":""}"#).unwrap();
        assert_eq!(b.error_code, None);
    }

    #[test]
    fn non_objects_are_not_error_bodies() {
        assert_eq!(ErrorBody::parse(b"<html>502</html>"), None);
        assert_eq!(ErrorBody::parse(b"[1,2]"), None);
        assert_eq!(ErrorBody::parse(b""), None);
    }
}
