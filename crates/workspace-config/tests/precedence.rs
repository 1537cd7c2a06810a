//! Every source and every precedence rule, over a stand-in environment (never the real one).
#![allow(clippy::unwrap_used)]

use workspace_config::{ConfigLoader, LoadedConfig, MapEnvironment, Source};
use workspace_core::{ClientCore, ClientOptions, ClientOptionsBuilder, Credentials, Error};

const HOME_CREDS: &str = "/home/u/.huaweicloud/credentials";

fn home() -> MapEnvironment {
    MapEnvironment::new().home("/home/u")
}

fn env_keys(e: MapEnvironment) -> MapEnvironment {
    e.var("HUAWEICLOUD_SDK_AK", "ENVAK").var("HUAWEICLOUD_SDK_SK", "env-secret")
}

fn file_keys(e: MapEnvironment) -> MapEnvironment {
    e.file(HOME_CREDS, "[basic]\nak = FILEAK\nsk = file-secret\nproject_id = fileproject\n")
}

fn b() -> ClientOptionsBuilder {
    ClientOptions::builder()
}

fn load(env: MapEnvironment, explicit: ClientOptionsBuilder) -> Result<LoadedConfig, Error> {
    ConfigLoader::with_environment(env).load(explicit)
}

fn core((env, explicit): (MapEnvironment, ClientOptionsBuilder)) -> ClientCore {
    ClientCore::new(load(env, explicit).unwrap().into_options())
}

fn ak(core: &ClientCore) -> String {
    match core.options().credentials() {
        Credentials::AkSk(k) => k.access_key_id().as_str().to_owned(),
        Credentials::Token(_) => "token".into(),
        _ => unreachable!(),
    }
}

#[test]
fn credentials_explicit_then_environment_then_file() {
    let all = file_keys(env_keys(home()));
    let c = core((
        all.clone(),
        b().credentials(Credentials::ak_sk("EXPAK", "exp-secret").unwrap()).project_id("p").region("cn-north-4"),
    ));
    assert_eq!(ak(&c), "EXPAK");
    let loaded = load(all.clone(), b().region("cn-north-4")).unwrap();
    assert_eq!(
        loaded.source("credentials"),
        Some(&Source::Environment("HUAWEICLOUD_SDK_AK, HUAWEICLOUD_SDK_SK".into()))
    );
    assert_eq!(ak(&ClientCore::new(loaded.into_options())), "ENVAK");
    let loaded = load(file_keys(home()), b().region("cn-north-4")).unwrap();
    assert_eq!(loaded.source("credentials"), Some(&Source::File(HOME_CREDS.into())));
    assert_eq!(ak(&ClientCore::new(loaded.into_options())), "FILEAK");
}

#[test]
fn the_file_can_be_named_and_basiccredentials_is_read() {
    let e = home()
        .var("HUAWEICLOUD_SDK_CREDENTIALS_FILE", "/etc/wks/creds")
        .file("/etc/wks/creds", "[basiccredentials]\nak = NAMEDAK\nsk = s\nsecurity_token = tok\n");
    let c = core((e, b().region("cn-north-4")));
    let Credentials::AkSk(k) = c.options().credentials() else { panic!() };
    assert_eq!((k.access_key_id().as_str(), k.security_token().is_some()), ("NAMEDAK", true));
    let missing = home().var("HUAWEICLOUD_SDK_CREDENTIALS_FILE", "/nope");
    let err = load(missing, b().region("cn-north-4")).unwrap_err().to_string();
    assert!(
        err.contains("cannot read the credentials file /nope (named by HUAWEICLOUD_SDK_CREDENTIALS_FILE)"),
        "{err}"
    );
}

#[test]
fn a_partial_set_is_an_error_never_a_fallthrough() {
    let e = file_keys(home().var("HUAWEICLOUD_SDK_AK", "ENVAK"));
    let err = load(e, b().region("cn-north-4")).unwrap_err().to_string();
    assert_eq!(
        err,
        "invalid configuration: HUAWEICLOUD_SDK_AK is set in the environment but HUAWEICLOUD_SDK_SK is missing"
    );
    let e = home().file(HOME_CREDS, "[basic]\nsk = only-secret\n");
    let err = load(e, b().region("cn-north-4")).unwrap_err().to_string();
    assert!(
        err.contains("sk is set in the credentials file /home/u/.huaweicloud/credentials [basic] but ak is missing"),
        "{err}"
    );
    assert!(!err.contains("only-secret"));
    let err = load(home().var("HUAWEICLOUD_SDK_AK", "A"), b().region("cn-north-4")).unwrap_err().to_string();
    assert!(err.contains("HUAWEICLOUD_SDK_AK is set in the environment but HUAWEICLOUD_SDK_SK is missing"), "{err}");
}

#[test]
fn nothing_found_lists_every_place_looked_at() {
    let err = load(home(), b().region("cn-north-4")).unwrap_err().to_string();
    for place in [
        "explicit credentials",
        "HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK",
        "HUAWEICLOUD_SDK_AUTH_TOKEN",
        "/home/u/.huaweicloud/credentials (not found)",
    ] {
        assert!(err.contains(place), "{err} should mention {place}");
    }
}

#[test]
fn tokens_from_the_environment_or_explicitly() {
    let e = home().var("HUAWEICLOUD_SDK_AUTH_TOKEN", "tok");
    assert_eq!(ak(&core((e.clone(), b().region("cn-north-4")))), "token");
    // AK/SK in the environment come before a token in the environment.
    assert_eq!(ak(&core((env_keys(e), b().region("cn-north-4")))), "ENVAK");
    assert_eq!(
        ak(&core((env_keys(home()), b().credentials(Credentials::token("t").unwrap()).region("cn-north-4")))),
        "token"
    );
}

#[test]
fn project_id_explicit_then_environment_then_file_then_discovery() {
    let e = file_keys(env_keys(home())).var("HUAWEICLOUD_SDK_PROJECT_ID", "envproject");
    let c = core((e.clone(), b().project_id("explicitproject").region("cn-north-4")));
    assert_eq!(c.project_id().unwrap().as_str(), "explicitproject");
    assert_eq!(core((e, b().region("cn-north-4"))).project_id().unwrap().as_str(), "envproject");
    assert_eq!(core((file_keys(home()), b().region("cn-north-4"))).project_id().unwrap().as_str(), "fileproject");
    let loaded = load(env_keys(home()), b().region("cn-east-3")).unwrap();
    assert_eq!(loaded.source("project_id"), Some(&Source::Discovery));
    let err = load(env_keys(home()), b().endpoint("https://example.com")).unwrap_err();
    assert!(err.to_string().contains("no project id"), "{err}");
}

#[test]
fn endpoint_explicit_then_variable_then_regions_file_then_default() {
    let yaml = "WORKSPACE:\n  - id: cn-north-4\n    endpoint: https://file.example.com\n";
    let e = env_keys(home()).var("HUAWEICLOUD_SDK_PROJECT_ID", "p").file("/home/u/.huaweicloud/regions.yaml", yaml);
    let with_var = e
        .clone()
        .var("HUAWEICLOUD_SDK_REGION_WORKSPACE_CN_NORTH_4", "https://var.example.com,https://var2.example.com");
    let host = |l: (MapEnvironment, ClientOptionsBuilder)| core(l).options().endpoint().host_header().to_owned();
    assert_eq!(
        host((with_var.clone(), b().region("cn-north-4").endpoint("https://explicit.example.com"))),
        "explicit.example.com"
    );
    let c = core((with_var, b().region("cn-north-4")));
    assert_eq!(
        c.options().endpoints().iter().map(|e| e.host_header()).collect::<Vec<_>>(),
        ["var.example.com", "var2.example.com"]
    );
    assert_eq!(host((e.clone(), b().region("cn-north-4"))), "file.example.com");
    assert_eq!(host((e.clone(), b().region("cn-east-3"))), "workspace.cn-east-3.myhuaweicloud.com");
    let err = load(e, b().region("moon-1")).unwrap_err().to_string();
    assert!(err.contains("region \"moon-1\" is unknown; the known regions are cn-east-3, cn-north-4"), "{err}");
}

#[test]
fn a_custom_region_can_be_defined_in_the_regions_file() {
    let yaml = "WORKSPACE:\n  - id: my-cloud-1\n    endpoints: [https://a.example.com, https://b.example.com]\n";
    let e = env_keys(home())
        .var("HUAWEICLOUD_SDK_PROJECT_ID", "p")
        .var("HUAWEICLOUD_SDK_REGIONS_FILE", "/r.yaml")
        .file("/r.yaml", yaml);
    let c = core((e, b().region("my-cloud-1")));
    assert_eq!(c.options().endpoints().len(), 2);
}

#[test]
fn iam_endpoint_environment_then_file() {
    let creds = "[basic]\nak = A\nsk = s\niam_endpoint = https://iam.file.example.com\n";
    let e = home().file(HOME_CREDS, creds);
    let loaded = load(e.clone(), b().region("cn-north-4")).unwrap();
    assert_eq!(loaded.source("iam_endpoint"), Some(&Source::File(HOME_CREDS.into())));
    let loaded =
        load(e.var("HUAWEICLOUD_SDK_IAM_ENDPOINT", "https://iam.env.example.com"), b().region("cn-north-4")).unwrap();
    assert_eq!(loaded.source("iam_endpoint"), Some(&Source::Environment("HUAWEICLOUD_SDK_IAM_ENDPOINT".into())));
    let core = loaded.into_options();
    let workspace_core::ProjectSource::Discover { iam, .. } = core.project() else { panic!() };
    assert_eq!(iam.host_header(), "iam.env.example.com");
}

#[test]
fn no_secret_in_debug_output() {
    let e = file_keys(env_keys(home())).var("HUAWEICLOUD_SDK_SECURITY_TOKEN", "env-token-secret");
    let loader = ConfigLoader::with_environment(e);
    let loaded = loader.load(b().region("cn-north-4")).unwrap();
    let text = format!("{loader:?} {loaded:?} {:?}", loaded.options());
    for secret in ["env-secret", "file-secret", "env-token-secret"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

#[cfg(unix)]
#[test]
fn a_variable_that_is_not_utf8_is_invalid_not_missing() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

    let bad = OsStr::from_bytes(b"secret\xff\xfe").to_owned();
    let e = home().var("HUAWEICLOUD_SDK_AK", "ENVAK").var_os("HUAWEICLOUD_SDK_SK", bad.clone());
    let err = load(e, b().project_id("p").region("cn-north-4")).unwrap_err();
    assert_eq!(err.to_string(), "invalid configuration: HUAWEICLOUD_SDK_SK is set but is not valid UTF-8");
    // Every variable read as text says the same, by its own name.
    let e = file_keys(home()).var_os("HUAWEICLOUD_SDK_PROJECT_ID", bad.clone());
    let err = load(e, b().region("cn-north-4")).unwrap_err();
    assert_eq!(err.to_string(), "invalid configuration: HUAWEICLOUD_SDK_PROJECT_ID is set but is not valid UTF-8");
    // An empty value still counts as unset.
    let e = file_keys(home()).var_os("HUAWEICLOUD_SDK_AK", "").var_os("HUAWEICLOUD_SDK_SK", "");
    assert!(load(e, b().region("cn-north-4")).is_ok());
}

#[test]
fn an_empty_half_is_called_empty_not_missing() {
    let e = home().var("HUAWEICLOUD_SDK_AK", "ENVAK").var("HUAWEICLOUD_SDK_SK", "");
    let err = load(e, b().region("cn-north-4")).unwrap_err().to_string();
    assert_eq!(
        err,
        "invalid configuration: HUAWEICLOUD_SDK_AK is set in the environment but HUAWEICLOUD_SDK_SK is empty"
    );
    let e = home().var("HUAWEICLOUD_SDK_AK", "").var("HUAWEICLOUD_SDK_SK", "env-secret");
    let err = load(e, b().region("cn-north-4")).unwrap_err().to_string();
    assert!(err.ends_with("HUAWEICLOUD_SDK_SK is set in the environment but HUAWEICLOUD_SDK_AK is empty"), "{err}");
    let e = home().file(HOME_CREDS, "[basic]\nak = FILEAK\nsk =\n");
    let err = load(e, b().region("cn-north-4")).unwrap_err().to_string();
    assert!(
        err.ends_with("ak is set in the credentials file /home/u/.huaweicloud/credentials [basic] but sk is empty")
    );
    // Nothing anywhere: the list says which variables are empty rather than unset.
    let e = home().var("HUAWEICLOUD_SDK_SK", "").var("HUAWEICLOUD_SDK_AUTH_TOKEN", "");
    let err = load(e, b().region("cn-north-4")).unwrap_err().to_string();
    assert!(err.contains("HUAWEICLOUD_SDK_AK unset, HUAWEICLOUD_SDK_SK empty"), "{err}");
    assert!(err.contains("HUAWEICLOUD_SDK_AUTH_TOKEN (empty)"), "{err}");
}

#[test]
fn a_file_without_the_section_read_says_so() {
    let e = home().file(HOME_CREDS, "[default]\nak = A\nsk = s\n");
    let err = load(e, b().region("cn-north-4")).unwrap_err().to_string();
    assert!(
        err.contains("the credentials file /home/u/.huaweicloud/credentials (no [basic] or [basiccredentials] section; it has [default])"),
        "{err}"
    );
    assert!(!err.contains("not found"), "{err}");
    let e = home().var("HUAWEICLOUD_SDK_CREDENTIALS_FILE", "/c").file("/c", "# nothing yet\n");
    let err = load(e, b().region("cn-north-4")).unwrap_err().to_string();
    assert!(
        err.contains("/c (named by HUAWEICLOUD_SDK_CREDENTIALS_FILE) (no [basic] or [basiccredentials] section; it has no section)"),
        "{err}"
    );
    let e = home().file(HOME_CREDS, "[basic]\nproject_id = p\n");
    let err = load(e, b().region("cn-north-4")).unwrap_err().to_string();
    assert!(err.contains("/home/u/.huaweicloud/credentials [basic] (ak and sk unset)"), "{err}");
}

#[test]
fn a_repeated_key_is_refused_before_any_value_is_used() {
    let e = home().file(HOME_CREDS, "[basic]\nak = FILEAK\nsk = old-secret\nsk = new-secret\n");
    let err = load(e, b().region("cn-north-4")).unwrap_err();
    assert!(matches!(err, Error::Config(_)), "{err:?}");
    let err = err.to_string();
    assert_eq!(
        err,
        "invalid configuration: the file /home/u/.huaweicloud/credentials [basic]: sk is set 2 times; which one is meant is ambiguous, so keep only one"
    );
    // Even when the environment's keys would be used: the file is ambiguous all the same.
    let e = env_keys(home()).file(HOME_CREDS, "[basic]\nsecurity_token = t1\nsecurity_token = t2\n");
    let err = load(e, b().region("cn-north-4")).unwrap_err().to_string();
    assert!(err.contains("[basic]: security_token is set 2 times"), "{err}");
}

#[test]
fn a_byte_order_mark_starts_a_file_harmlessly() {
    let e = home().file(HOME_CREDS, "\u{feff}[basic]\nak = FILEAK\nsk = s\nproject_id = p\n").file(
        "/home/u/.huaweicloud/regions.yaml",
        "\u{feff}WORKSPACE:\n  - id: cn-north-4\n    endpoint: https://bom.example.com\n",
    );
    let c = core((e, b().region("cn-north-4")));
    assert_eq!((ak(&c), c.options().endpoint().host_header()), ("FILEAK".to_owned(), "bom.example.com"));
}

#[test]
fn a_file_larger_than_the_limit_is_refused_in_any_environment() {
    let big = format!("[basic]\nak = A\nsk = s\n#{}\n", "x".repeat(workspace_config::MAX_FILE_BYTES as usize));
    let err = load(home().file(HOME_CREDS, &big), b().region("cn-north-4")).unwrap_err().to_string();
    assert!(
        err.contains("cannot read the credentials file /home/u/.huaweicloud/credentials: it is larger than 1024 KiB"),
        "{err}"
    );
}

#[test]
fn a_credentials_file_open_to_others_gives_a_warning() {
    for (mode, warned) in [(0o600, false), (0o400, false), (0o644, true), (0o640, true), (0o602, true)] {
        let loaded = load(file_keys(home()).mode(HOME_CREDS, mode), b().region("cn-north-4")).unwrap();
        assert_eq!(loaded.warnings().len(), usize::from(warned), "{mode:o}: {:?}", loaded.warnings());
        if warned {
            let expected = format!(
                "the credentials file /home/u/.huaweicloud/credentials can be accessed by its group or others (mode {mode:04o}); restrict it to its owner with chmod 600"
            );
            assert_eq!(loaded.warnings(), [expected]);
        }
    }
    // No file, no warning; and a warning never holds a secret.
    assert!(load(env_keys(home()), b().region("cn-north-4")).unwrap().warnings().is_empty());
    let loaded = load(file_keys(home()).mode(HOME_CREDS, 0o666), b().region("cn-north-4")).unwrap();
    assert!(!format!("{loaded:?}").contains("file-secret"));
}

#[test]
fn a_bad_value_is_named_with_where_it_came_from() {
    let bad_project = |e: MapEnvironment, explicit: ClientOptionsBuilder| {
        let err = load(e, explicit.region("cn-north-4")).unwrap_err();
        assert!(matches!(err, Error::Config(_)), "{err:?}");
        err.to_string()
    };
    let err = bad_project(env_keys(home()).var("HUAWEICLOUD_SDK_PROJECT_ID", "a/b"), b());
    assert!(
        err.starts_with("invalid configuration: HUAWEICLOUD_SDK_PROJECT_ID: project_id \"a/b\" is invalid"),
        "{err}"
    );
    let err = bad_project(home().file(HOME_CREDS, "[basic]\nak = A\nsk = s\nproject_id = ../x\n"), b());
    assert!(err.contains("the file /home/u/.huaweicloud/credentials [basic]: project_id \"../x\" is invalid"), "{err}");
    let err = bad_project(env_keys(home()), b().project_id("a b"));
    assert!(err.starts_with("invalid configuration: project_id \"a b\" is invalid"), "{err}");
    let loader = ConfigLoader::with_environment(env_keys(home())).explicit_name("project_id", "--project-id");
    let err = loader.load(b().project_id("a b").region("cn-north-4")).unwrap_err().to_string();
    assert!(err.contains("--project-id: project_id \"a b\" is invalid"), "{err}");
    let loader = ConfigLoader::with_environment(env_keys(home())).explicit_name("region", "--region");
    let err = loader.load(b().project_id("p").region("moon-1")).unwrap_err().to_string();
    assert!(err.contains("--region: region \"moon-1\" is unknown"), "{err}");

    // Credentials: the variable or the key, never the secret.
    let e = home().var("HUAWEICLOUD_SDK_AK", "ENVAK").var("HUAWEICLOUD_SDK_SK", "bad secret");
    let err = load(e, b().project_id("p").region("cn-north-4")).unwrap_err().to_string();
    assert!(err.contains("HUAWEICLOUD_SDK_SK: sk must be printable ASCII"), "{err}");
    assert!(!err.contains("bad secret"), "{err}");
    let e = home().file(HOME_CREDS, "[basic]\nak = A\nsk = s\nsecurity_token = bad token\n");
    let err = load(e, b().project_id("p").region("cn-north-4")).unwrap_err().to_string();
    assert!(err.contains("the file /home/u/.huaweicloud/credentials [basic]: security_token must be"), "{err}");
    assert!(!err.contains("bad token"), "{err}");
    let e = home().var("HUAWEICLOUD_SDK_AUTH_TOKEN", "bad token");
    let err = load(e, b().project_id("p").region("cn-north-4")).unwrap_err().to_string();
    assert!(err.contains("HUAWEICLOUD_SDK_AUTH_TOKEN: auth_token must be"), "{err}");

    // Endpoints.
    let e = env_keys(home()).var("HUAWEICLOUD_SDK_IAM_ENDPOINT", "iam.example.com");
    let err = load(e, b().region("cn-north-4")).unwrap_err().to_string();
    assert!(err.contains("HUAWEICLOUD_SDK_IAM_ENDPOINT: endpoint \"iam.example.com\""), "{err}");
    let e = home().file(HOME_CREDS, "[basic]\nak = A\nsk = s\niam_endpoint = http://iam.example.com\n");
    let err = load(e, b().region("cn-north-4")).unwrap_err().to_string();
    assert!(err.contains("credentials [basic]: endpoint \"http://iam.example.com\" uses http"), "{err}");
    let loader = ConfigLoader::with_environment(env_keys(home())).explicit_name("endpoint", "--endpoint");
    let err = loader.load(b().project_id("p").endpoint("https://127.0.0.1:0")).unwrap_err().to_string();
    assert!(err.contains("--endpoint: endpoint \"https://127.0.0.1:0\""), "{err}");
}
