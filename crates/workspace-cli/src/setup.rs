//! The client the command runs with: configured from flags, the environment and files, or
//! pointed at an in-process emulator (feature `emulator`).

use std::time::Instant;

use workspace_blocking::{Client, ClientOptions, ClientOptionsBuilder, Error, RetryPolicy, Transport, UreqTransport};
use workspace_config::ConfigLoader;
use workspace_core::Attempt;
#[cfg(feature = "emulator")]
use workspace_emulator::{Emulator, EmulatorConfig};

use crate::args::Global;
use crate::commands::Failure;
use crate::exit;

/// A client, and the emulator behind it when `--emulator` was given (it stops when dropped).
pub(crate) struct Session {
    pub(crate) client: Client,
    #[cfg(feature = "emulator")]
    _emulator: Option<Emulator>,
}

/// Builds the client. Nothing is sent.
pub(crate) fn session(global: &Global) -> Result<Session, Failure> {
    #[cfg(feature = "emulator")]
    if global.emulator {
        // The demo fleet changes about one status a second, so that `watch` has something to show.
        let emu = Emulator::start(EmulatorConfig::default().churn(1.0)).map_err(Failure::Emulator)?;
        if !global.output.quiet {
            eprintln!(
                "wks: using a local emulator at {} (project {}, {} demo desktops, demo credentials)",
                emu.base_url(),
                emu.project_id(),
                emu.desktops().len()
            );
        }
        let options = common_options(global, emu.client_options().map_err(Error::from)?).build()?;
        return Ok(Session { client: client(options, global.verbose)?, _emulator: Some(emu) });
    }
    // A bad value given on the command line is named by its flag.
    let loaded = global.connection.load(ConfigLoader::new(), common_options(global, ClientOptions::builder()))?;
    for warning in loaded.warnings() {
        exit::warn(warning);
    }
    Ok(Session {
        client: client(loaded.into_options(), global.verbose)?,
        #[cfg(feature = "emulator")]
        _emulator: None,
    })
}

/// The client; with `-v`, the built-in transport with one line on stderr per HTTP exchange:
/// method, path and query without user names, status, duration, request id and attempt.
/// Headers, and so secrets, are never shown.
fn client(options: ClientOptions, verbose: u8) -> Result<Client, Error> {
    if verbose == 0 {
        return Client::new(options);
    }
    let inner = UreqTransport::new(&options)?;
    let logged = move |request: http::Request<Vec<u8>>| {
        let call = format!("{} {}", request.method(), target(request.uri().path(), request.uri().query()));
        let attempt = request.extensions().get::<Attempt>().map_or(1, |a| a.0);
        let started = Instant::now();
        let result = inner.send(request);
        let ms = started.elapsed().as_millis();
        match &result {
            Ok(response) => {
                let id = response.headers().get("x-request-id").and_then(|v| v.to_str().ok());
                let id = id.map_or_else(|| "no request id".to_owned(), |id| format!("request id {id}"));
                exit::report(&format!("{call} -> {} in {ms} ms ({id}, attempt {attempt})", response.status().as_u16()));
            }
            Err(e) => exit::report(&format!("{call} -> {} after {ms} ms (attempt {attempt})", e.kind())),
        }
        result
    };
    Client::builder(options).transport(logged).build()
}

/// What the flags say whatever the configuration, set on `builder`: retries, timeouts,
/// concurrency, user agent.
fn common_options(global: &Global, builder: ClientOptionsBuilder) -> ClientOptionsBuilder {
    // Every call, retries included, ends by the deadline, whatever the number of retries.
    let policy = RetryPolicy::standard().with_deadline(global.deadline);
    let builder = builder
        .retry_policy(policy.clone())
        .concurrency(usize::from(global.concurrency))
        .user_agent_suffix(concat!("wks/", env!("CARGO_PKG_VERSION")));
    global.connection.apply_limits(builder, policy)
}

/// A request's path and query as logged: the query's user names are left out, and counted.
fn target(path: &str, query: Option<&str>) -> String {
    let mut shown = path.to_owned();
    let Some(query) = query else { return shown };
    let (users, kept): (Vec<&str>, Vec<&str>) = query.split('&').partition(|pair| pair.starts_with("user_names="));
    if !kept.is_empty() {
        shown.push('?');
        shown.push_str(&kept.join("&"));
    }
    match users.len() {
        0 => {}
        1 => shown.push_str(" (1 user name not shown)"),
        n => shown.push_str(&format!(" ({n} user names not shown)")),
    }
    shown
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_are_left_out_of_the_logged_target() {
        let path = "/v2/p/connect-desktops";
        assert_eq!(
            target(path, Some("limit=1&offset=0&user_names=alice&user_names=bob")),
            "/v2/p/connect-desktops?limit=1&offset=0 (2 user names not shown)"
        );
        assert_eq!(target(path, Some("user_names=alice")), "/v2/p/connect-desktops (1 user name not shown)");
        assert_eq!(target("/v3/projects", Some("name=cn-north-4")), "/v3/projects?name=cn-north-4");
        assert_eq!(target(path, None), path);
    }
}
